package whatsapp_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/schoolsms/sms/app/chatbot/whatsapp"
)

// FuzzWebhookPayload: any body is read as a webhook or refused with ErrNotWebhook,
// never a panic; a payload read once reads back the same after it is written out; the
// signature of a body verifies for exactly that body and secret.
func FuzzWebhookPayload(f *testing.F) {
	for _, s := range []string{
		metaBody,
		`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},"statuses":[{"id":"wamid.X","status":"failed","timestamp":-5,"recipient_id":"2547","errors":[{"code":131047,"title":"Re-engagement message"}]}]}}]}]}`,
		`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},"messages":[{"from":"1","id":"w","timestamp":"soon","type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"r1","title":"Results"}}}]}}]}]}`,
		`{"object":"whatsapp_business_account","entry":[]}{"object":"x"}`,
		`{"object":"page"}`,
		`[1,2,3]`,
		"\xff\xfe{\"object\":\"whatsapp_business_account\"}",
		``,
	} {
		f.Add([]byte(s), "app-secret")
	}
	f.Fuzz(func(t *testing.T, body []byte, secret string) {
		sig := whatsapp.Sign(secret, body)
		if secret != "" && !whatsapp.ValidSignature(secret, body, sig) {
			t.Fatalf("the body's own signature %q does not verify", sig)
		}
		if secret == "" && whatsapp.ValidSignature(secret, body, sig) {
			t.Fatal("an empty secret verified a signature")
		}
		if len(body) > 0 {
			other := bytes.Clone(body)
			other[len(other)/2] ^= 0x01
			if whatsapp.ValidSignature(secret, other, sig) {
				t.Fatal("the signature of one body verified another")
			}
		}
		if whatsapp.ValidSignature(secret+"x", body, sig) {
			t.Fatal("the signature under one secret verified under another")
		}

		p, err := whatsapp.Parse(body)
		if err != nil {
			if err != whatsapp.ErrNotWebhook {
				t.Fatalf("refused with %v, not ErrNotWebhook", err)
			}
			return
		}
		once, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("a payload read could not be written: %v", err)
		}
		again, err := whatsapp.Parse(once)
		if err != nil {
			t.Fatalf("a payload written out is not a webhook: %v\n%s", err, once)
		}
		twice, err := json.Marshal(again)
		if err != nil || !bytes.Equal(once, twice) {
			t.Fatalf("a payload changed on a second reading:\n%s\n%s", once, twice)
		}
		for _, id := range p.PhoneNumberIDs() {
			for _, v := range p.Values(id) {
				if v.Metadata.PhoneNumberID != id {
					t.Fatalf("Values(%q) returned a value of number %q", id, v.Metadata.PhoneNumberID)
				}
			}
		}
	})
}
