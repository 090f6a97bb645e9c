package chatbot_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/schoolsms/sms/app/chatbot/whatsapp"
)

// FuzzWebhook: any body a school's app secret signs, posted to the school's webhook, is
// stored (200) or refused (400 not a webhook, 404 another number's), never an error of
// the server's; and a body stored once, delivered again, stores nothing new: each of
// its messages is a duplicate, each status already recorded.
func FuzzWebhook(f *testing.F) {
	w := newWorldB(f)
	a := w.addSchool("alpha", "1001")
	w.guardian(a, "Amina", "+254711000001", "Ana")
	status := func(id, st string, ts any) map[string]any {
		return map[string]any{"id": id, "status": st, "timestamp": ts, "recipient_id": "254711000001"}
	}
	for _, b := range [][]byte{
		webhook(map[string][]map[string]any{a.number: {text("254711000001", "wamid.f1", "results")}}),
		webhook(map[string][]map[string]any{a.number: {text("254711000001", "wamid.f2", "Habari \u00e9\U0001F33B"),
			text("254711000002", "wamid.f2", "the same id twice"), text("not-a-phone", "wamid.f3", "x")}}),
		webhook(map[string][]map[string]any{a.number: {choice("254711000001", "wamid.f4", "menu:results", "Results")}}),
		webhook(map[string][]map[string]any{a.number: {{"from": "254711000001", "id": "wamid.f5", "timestamp": -1, "type": "sticker"}}}),
		webhook(map[string][]map[string]any{"9999": {text("254711000001", "wamid.f6", "another number")}}),
		[]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1001"},"statuses":[` +
			mustJSON(status("wamid.s1", "delivered", "1717000000")) + `,` + mustJSON(status("wamid.s1", "read", 1717000001)) + `,` +
			mustJSON(status("wamid.s2", "exploded", "x")) + `]}}]}]}`),
		[]byte(`{"object":"whatsapp_business_account"}`),
		[]byte(`not json`),
	} {
		f.Add(b)
	}
	hc := &http.Client{Timeout: 20 * time.Second}
	post := func(t *testing.T, body []byte) (int, map[string]any) {
		req, err := http.NewRequest("POST", w.s.URL+"/webhooks/whatsapp", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Host = "alpha.localhost"
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(whatsapp.SignatureHeader, whatsapp.Sign(a.secret, body))
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var m map[string]any
		json.Unmarshal(raw, &m)
		return resp.StatusCode, m
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		code, first := post(t, body)
		switch code {
		case 200:
		case 400, 404:
			return
		default:
			t.Fatalf("answered %d %v", code, first)
		}
		code, again := post(t, body)
		if code != 200 {
			t.Fatalf("stored once, then answered %d %v", code, again)
		}
		n := func(m map[string]any, k string) float64 { v, _ := m[k].(float64); return v }
		if n(again, "messages") != 0 || n(again, "statuses") != 0 {
			t.Fatalf("delivered again, stored more: first %v, again %v", first, again)
		}
		if n(again, "duplicates") != n(first, "messages")+n(first, "duplicates") || n(again, "skipped") != n(first, "skipped") {
			t.Fatalf("delivered again, counted otherwise: first %v, again %v", first, again)
		}
	})
}
