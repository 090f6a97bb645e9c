// Package whatsapp speaks the WhatsApp Business Cloud API: the webhook payloads Meta
// posts (and their signature), and a small client for the Graph API endpoints the bot
// sends with. It knows nothing of schools; the chatbot package decides what to say.
package whatsapp

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries the HMAC-SHA256 of the raw body, keyed with the app secret.
const SignatureHeader = "X-Hub-Signature-256"

// Sign returns the X-Hub-Signature-256 value of body under secret ("sha256=<hex>").
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// ValidSignature reports whether header is the signature of exactly these bytes under
// secret. The comparison takes the same time wherever the first difference is, so a
// caller cannot learn the right signature byte by byte. An empty secret never verifies.
func ValidSignature(secret string, body []byte, header string) bool {
	if secret == "" {
		return false
	}
	hexSig, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if !ok || len(hexSig) != sha256.Size*2 {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// Payload is one webhook POST: entries of changes, each naming the business number it
// is about in Metadata.PhoneNumberID.
type Payload struct {
	Object string  `json:"object"`
	Entry  []Entry `json:"entry"`
}

// Entry is one WhatsApp Business Account's part of a payload.
type Entry struct {
	ID      string   `json:"id"`
	Changes []Change `json:"changes"`
}

// Change is one field's news; the bot reads field "messages" (messages and statuses).
type Change struct {
	Field string `json:"field"`
	Value Value  `json:"value"`
}

// Value holds what arrived for one business number.
type Value struct {
	MessagingProduct string     `json:"messaging_product"`
	Metadata         Metadata   `json:"metadata"`
	Contacts         []Contact  `json:"contacts,omitempty"`
	Messages         []Incoming `json:"messages,omitempty"`
	Statuses         []Status   `json:"statuses,omitempty"`
}

// Metadata names the business number a change is for.
type Metadata struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	PhoneNumberID      string `json:"phone_number_id"`
}

// Contact is the profile of a phone that wrote.
type Contact struct {
	Profile struct {
		Name string `json:"name"`
	} `json:"profile"`
	WaID string `json:"wa_id"`
}

// Incoming is a message a phone sent to the business number.
type Incoming struct {
	From        string       `json:"from"`
	ID          string       `json:"id"`
	Timestamp   Timestamp    `json:"timestamp"`
	Type        string       `json:"type"`
	Text        *InText      `json:"text,omitempty"`
	Interactive *InInteract  `json:"interactive,omitempty"`
	Button      *InButton    `json:"button,omitempty"`
	Errors      []ErrorEntry `json:"errors,omitempty"`
}

// InText is the body of a text message.
type InText struct {
	Body string `json:"body"`
}

// InInteract is the answer to a list or reply-button message the bot sent.
type InInteract struct {
	Type        string  `json:"type"`
	ListReply   *Choice `json:"list_reply,omitempty"`
	ButtonReply *Choice `json:"button_reply,omitempty"`
}

// Choice is the row or button a phone picked.
type Choice struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// InButton is a tap on a template's quick-reply button.
type InButton struct {
	Text    string `json:"text"`
	Payload string `json:"payload"`
}

// Status is news about a message the business number sent.
type Status struct {
	ID          string       `json:"id"`
	Status      string       `json:"status"` // sent, delivered, read, failed
	Timestamp   Timestamp    `json:"timestamp"`
	RecipientID string       `json:"recipient_id"`
	Errors      []ErrorEntry `json:"errors,omitempty"`
}

// ErrorEntry is an error WhatsApp attaches to a message or a status.
type ErrorEntry struct {
	Code      int    `json:"code"`
	Title     string `json:"title"`
	Message   string `json:"message,omitempty"`
	ErrorData struct {
		Details string `json:"details,omitempty"`
	} `json:"error_data,omitempty"`
}

// Timestamp is Unix seconds, which Meta writes as a string ("1717000000"); a number
// is read too. Zero when absent or unreadable: the caller decides what that means.
type Timestamp int64

// UnmarshalJSON reads "1717000000" or 1717000000; anything else leaves zero rather
// than failing the whole batch over one field.
func (ts *Timestamp) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		*ts = 0
		return nil
	}
	*ts = Timestamp(n)
	return nil
}

// MarshalJSON writes the string form Meta uses.
func (ts Timestamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + strconv.FormatInt(int64(ts), 10) + `"`), nil
}

// Time is the timestamp as a time (zero time when unset).
func (ts Timestamp) Time() time.Time {
	if ts == 0 {
		return time.Time{}
	}
	return time.Unix(int64(ts), 0).UTC()
}

// ErrNotWebhook means the body is not a WhatsApp Business webhook payload.
var ErrNotWebhook = errors.New("not a WhatsApp Business webhook payload")

// Parse reads a webhook body. It refuses anything that is not one JSON object of
// object "whatsapp_business_account"; what is inside is read leniently (unknown fields
// and message types are kept for the caller to answer politely).
func Parse(body []byte) (Payload, error) {
	var p Payload
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&p); err != nil {
		return Payload{}, ErrNotWebhook
	}
	if dec.More() {
		return Payload{}, ErrNotWebhook
	}
	if p.Object != "whatsapp_business_account" {
		return Payload{}, ErrNotWebhook
	}
	return p, nil
}

// PhoneNumberIDs lists the business numbers a payload names, each once, in order.
func (p Payload) PhoneNumberIDs() []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range p.Entry {
		for _, ch := range e.Changes {
			id := ch.Value.Metadata.PhoneNumberID
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out
}

// Values returns the "messages" changes for one business number.
func (p Payload) Values(phoneNumberID string) []Value {
	var out []Value
	for _, e := range p.Entry {
		for _, ch := range e.Changes {
			if ch.Field == "messages" && ch.Value.Metadata.PhoneNumberID == phoneNumberID {
				out = append(out, ch.Value)
			}
		}
	}
	return out
}

// ProfileName is the profile name WhatsApp gave for the phone wa, "" if none.
func (v Value) ProfileName(wa string) string {
	for _, c := range v.Contacts {
		if c.WaID == wa {
			return c.Profile.Name
		}
	}
	return ""
}
