package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/schoolsms/sms/app/chatbot/whatsapp"
	"github.com/schoolsms/sms/db"
)

// The main school's WhatsApp number as the bench sets it up.
const (
	benchNumber = "100200300"
	benchSecret = "bench-app-secret"
)

// webhooks measures signed webhooks acknowledged, then the time from a guardian's
// message to the bot's reply reaching the (fake) Graph API.
func (b *bench) webhooks(ctx context.Context) error {
	host, token, err := b.mainAccess(ctx)
	if err != nil {
		return err
	}
	graph, err := startFakeGraph()
	if err != nil {
		return err
	}
	defer graph.close()
	if _, err := call(ctx, "PUT", "http://"+b.w.addr+"/api/chatbot/settings/", host, token, map[string]any{
		"phone_number_id": benchNumber, "access_token": "bench-access-token", "app_secret": benchSecret,
		"verify_token": "bench-verify", "graph_url": graph.URL, "absence_template": "absence_alert",
		"notice_template": "school_notice", "reply_template": "please_write_again"}, &struct{}{}); err != nil {
		return fmt.Errorf("connect WhatsApp: %w", err)
	}
	phones, err := guardianPhones(ctx, b.w)
	if err != nil {
		return err
	}
	// Webhooks come to the platform's host; the number picks the school.
	platform := b.w.a.Config.BaseDomain
	run := strconv.FormatInt(time.Now().UnixNano(), 36) // message ids new to this data dir
	post := func(c *Conn, phone, wamid string) (outcome, error) {
		body := inbound(phone, wamid)
		c.Req.Header.SetMethod("POST")
		c.Req.SetRequestURI("/webhooks/whatsapp")
		c.Req.SetHost(platform)
		c.Req.Header.SetContentType("application/json")
		c.Req.Header.Set(whatsapp.SignatureHeader, whatsapp.Sign(benchSecret, body))
		c.Req.SetBodyRaw(body)
		status, err := c.Do()
		return expect(c, err, status, 200)
	}

	b.measure(ScenarioWebhooks, "webhook ack", b.w.addr, func(c *Conn, i int) (outcome, error) {
		phone := phones[(c.ID+b.o.Conns*i)%len(phones)]
		return post(c, phone, fmt.Sprintf("wamid.ack.%s.%d.%d", run, c.ID, i))
	})
	drained := graph.quiet(2 * time.Minute)
	b.note("webhook ack", "the bot answers each in the background (backlog drained %s after)", drained.Round(time.Second))

	// Each connection is a guardian (its own phone) who waits for the answer before
	// writing again, so the time is the whole path: HTTP, store, queue, worker, send.
	row, _ := b.measure(ScenarioWebhooks, "webhook → reply", b.w.addr, func(c *Conn, i int) (outcome, error) {
		phone := phones[(c.ID+b.o.Conns*(i%max(1, len(phones)/b.o.Conns)))%len(phones)]
		wamid := fmt.Sprintf("wamid.rt.%s.%d.%d", run, c.ID, i)
		tag := "reply:" + wamid + ":0"
		ch := graph.await(tag)
		if o, err := post(c, phone, wamid); o != ok {
			graph.forget(tag)
			return o, err
		}
		select {
		case <-ch:
			return ok, nil
		case <-time.After(30 * time.Second):
			graph.forget(tag)
			return failed, fmt.Errorf("no reply to %s within 30s", wamid)
		}
	})
	b.note(row.Name, "replies/s; latency from POST to the reply at the fake Graph API")
	graph.quiet(time.Minute)
	return nil
}

// guardianPhones are the main school's guardians' numbers as WhatsApp writes them.
func guardianPhones(ctx context.Context, w *world) ([]string, error) {
	var phones []string
	err := w.a.Pool.WithTenant(ctx, mainSchema, func(t *db.Tenant) error {
		rows, err := t.ReadDB().QueryContext(ctx, `SELECT DISTINCT phone FROM guardians WHERE phone LIKE '+%' ORDER BY phone`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p string
			if err := rows.Scan(&p); err != nil {
				return err
			}
			phones = append(phones, strings.TrimPrefix(p, "+"))
		}
		return rows.Err()
	})
	if err == nil && len(phones) == 0 {
		err = fmt.Errorf("the main school has no guardians with phones")
	}
	return phones, err
}

// inbound is a Meta webhook body with one text message from phone.
func inbound(phone, wamid string) []byte {
	b, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": []any{map[string]any{
		"id": "WABA", "changes": []any{map[string]any{"field": "messages", "value": map[string]any{
			"messaging_product": "whatsapp",
			"metadata":          map[string]any{"display_phone_number": "15550000000", "phone_number_id": benchNumber},
			"contacts":          []any{map[string]any{"profile": map[string]any{"name": "Parent"}, "wa_id": phone}},
			"messages": []any{map[string]any{"from": phone, "id": wamid, "timestamp": strconv.FormatInt(time.Now().Unix(), 10),
				"type": "text", "text": map[string]any{"body": "hi"}}},
		}}}}}})
	return b
}
