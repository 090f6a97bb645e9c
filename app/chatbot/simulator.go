package chatbot

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/schoolsms/sms/app/chatbot/whatsapp"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/phone"
	apptext "github.com/schoolsms/sms/app/text"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// SimulatorInput is a message typed in the simulator as a guardian's phone: text, or a
// choice from a list or buttons the bot sent (its row id and title).
type SimulatorInput struct {
	Phone       string `json:"phone"` // the guardian's number, digits with the country code
	Text        string `json:"text"`
	ChoiceID    string `json:"choice_id"`
	ChoiceTitle string `json:"choice_title"`
	Name        string `json:"name"` // the WhatsApp profile name to show
}

// Simulate sends a message through the same pipeline as a real one: the simulator
// writes the webhook Meta would, signs it with the school's app secret, and hands it to
// Receive on the simulator channel. Its answers are stored, never sent to a phone.
func (m *Bot) Simulate(ctx context.Context, t *db.Tenant, in SimulatorInput) (string, error) {
	f := errs.Fields{}
	in.Phone = simulatorDigits(in.Phone)
	if !phoneRe.MatchString(in.Phone) {
		f.Add("phone", simulatorPhoneHint)
	}
	body, msg := apptext.Multiline(in.Text, whatsapp.MaxTextBody)
	if msg != "" {
		f.Add("text", msg)
	}
	if body == "" && in.ChoiceID == "" {
		f.Add("text", "is required (or a choice_id)")
	}
	if len(in.ChoiceID) > 200 || len(in.ChoiceTitle) > 200 {
		f.Add("choice_id", "is too long")
	}
	name, msg := apptext.Line(in.Name, 100)
	if msg != "" {
		f.Add("name", msg)
	}
	if err := f.Err(); err != nil {
		return "", err
	}
	st, err := loadSettings(ctx, t.Read())
	if err != nil {
		return "", errs.Wrap(err, "read whatsapp settings")
	}
	if st.PhoneNumberID == "" || st.AppSecret == "" {
		return "", errs.E(errs.Conflict, "the simulator signs its messages like WhatsApp does: set the school's phone number id and app secret in the WhatsApp settings first")
	}
	wamid := "wamid.SIM." + randomKey() + randomKey()
	incoming := whatsapp.Incoming{From: in.Phone, ID: wamid, Timestamp: whatsapp.Timestamp(m.now().Unix()), Type: "text",
		Text: &whatsapp.InText{Body: body}}
	if in.ChoiceID != "" {
		incoming.Type, incoming.Text = "interactive", nil
		incoming.Interactive = &whatsapp.InInteract{Type: "list_reply", ListReply: &whatsapp.Choice{ID: in.ChoiceID, Title: in.ChoiceTitle}}
	}
	contact := whatsapp.Contact{WaID: in.Phone}
	contact.Profile.Name = name
	p := whatsapp.Payload{Object: "whatsapp_business_account", Entry: []whatsapp.Entry{{ID: "simulator", Changes: []whatsapp.Change{{
		Field: "messages", Value: whatsapp.Value{MessagingProduct: "whatsapp",
			Metadata: whatsapp.Metadata{DisplayPhoneNumber: st.DisplayNumber, PhoneNumberID: st.PhoneNumberID},
			Contacts: []whatsapp.Contact{contact}, Messages: []whatsapp.Incoming{incoming}}}}}}}
	raw, err := json.Marshal(p)
	if err != nil {
		return "", errs.Wrap(err, "simulator payload")
	}
	if _, err := m.Receive(ctx, t, raw, whatsapp.Sign(st.AppSecret, raw), ChannelSimulator); err != nil {
		return "", err
	}
	return wamid, nil
}

const simulatorPhoneHint = "must be a phone number with the country code, e.g. +254 712 345 678"

// simulatorDigits is a phone as staff may type it (+254 712-345 678) in the digits
// WhatsApp writes it in (254712345678); anything else is left for the check to refuse.
func simulatorDigits(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "+")
	return strings.Map(func(r rune) rune {
		if phone.Separator(r) {
			return -1
		}
		return r
	}, s)
}

// SimulatorThread is the simulator's conversation with one phone (empty before the
// first message).
func (m *Bot) SimulatorThread(ctx context.Context, t *db.Tenant, phone string) (Thread, error) {
	phone = simulatorDigits(phone)
	if !phoneRe.MatchString(phone) {
		return Thread{}, errs.Field("phone", simulatorPhoneHint)
	}
	c, err := t.Read().ChatbotConversationByPhone(ctx, tenantdb.ChatbotConversationByPhoneParams{Channel: ChannelSimulator, Phone: phone})
	if errors.Is(err, sql.ErrNoRows) {
		return Thread{Conversation: Conversation{Channel: ChannelSimulator, Phone: phone, Name: "+" + phone, State: stateStart,
			WindowOpen: true}, Messages: []ThreadMessage{}}, nil
	}
	if err != nil {
		return Thread{}, errs.Wrap(err, "read conversation")
	}
	return m.GetThread(ctx, t, c.ID)
}

// Phone is a guardian's number as the simulator offers it.
type Phone struct {
	Name   string `json:"name"`
	Digits string `json:"digits"` // with the country code, as WhatsApp writes it
}

// SimulatorPhones are the guardians' numbers staff can chat as (the first 500 by name).
func (m *Bot) SimulatorPhones(ctx context.Context, t *db.Tenant) ([]Phone, error) {
	country, err := t.Read().StudentsSchoolCountry(ctx)
	if err != nil {
		return nil, errs.Wrap(err, "read school country")
	}
	rows, err := t.Read().ChatbotGuardiansWithPhones(ctx, 500)
	if err != nil {
		return nil, errs.Wrap(err, "list guardians")
	}
	var out []Phone
	seen := map[string]bool{}
	for _, r := range rows {
		if d := digitsOf(country, r.Phone); d != "" && !seen[d] {
			seen[d] = true
			out = append(out, Phone{Name: r.Name, Digits: d})
		}
	}
	return out, nil
}
