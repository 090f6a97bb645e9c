package whatsapp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/chatbot/whatsapp"
	"github.com/schoolsms/sms/app/chatbot/whatsapp/whatsapptest"
)

// metaBody is a webhook as Meta writes it: compact, non-ASCII escaped as \uXXXX.
const metaBody = `{"object":"whatsapp_business_account","entry":[{"id":"WABA","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15551230000","phone_number_id":"123987456"},"contacts":[{"profile":{"name":"Mama Amani \ud83c\udf3b"},"wa_id":"254712345678"}],"messages":[{"from":"254712345678","id":"wamid.A1","timestamp":"1717000000","type":"text","text":{"body":"\u0645\u0631\u062d\u0628\u0627 results"}}]}}]}]}`

func TestSignature(t *testing.T) {
	body := []byte(metaBody)
	good := whatsapp.Sign("app-secret", body)
	cases := []struct {
		name   string
		secret string
		body   []byte
		header string
		want   bool
	}{
		{"good", "app-secret", body, good, true},
		{"upper-case prefix is not what Meta sends", "app-secret", body, "SHA256=" + good[len("sha256="):], false},
		{"missing", "app-secret", body, "", false},
		{"wrong secret", "other-secret", body, good, false},
		{"one byte changed", "app-secret", bytes.Replace(body, []byte("A1"), []byte("A2"), 1), good, false},
		{"not hex", "app-secret", body, "sha256=" + string(bytes.Repeat([]byte("z"), 64)), false},
		{"short", "app-secret", body, good[:20], false},
		{"sha1 form", "app-secret", body, "sha1=0123", false},
		{"empty secret never verifies", "", body, whatsapp.Sign("", body), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, whatsapp.ValidSignature(tc.secret, tc.body, tc.header))
		})
	}

	t.Run("re-encoded JSON does not verify", func(t *testing.T) {
		var v any
		require.NoError(t, json.Unmarshal(body, &v))
		reencoded, err := json.Marshal(v) // Go writes the emoji and Arabic as UTF-8, not \u escapes
		require.NoError(t, err)
		require.NotEqual(t, body, reencoded)
		assert.False(t, whatsapp.ValidSignature("app-secret", reencoded, good))
	})
}

func TestParse(t *testing.T) {
	p, err := whatsapp.Parse([]byte(metaBody))
	require.NoError(t, err)
	assert.Equal(t, []string{"123987456"}, p.PhoneNumberIDs())
	vals := p.Values("123987456")
	require.Len(t, vals, 1)
	m := vals[0].Messages[0]
	assert.Equal(t, "مرحبا results", m.Text.Body)
	assert.Equal(t, time.Unix(1717000000, 0).UTC(), m.Timestamp.Time())
	assert.Equal(t, "Mama Amani 🌻", vals[0].ProfileName("254712345678"))

	for _, bad := range []string{``, `[]`, `{"object":"page"}`, `not json`, metaBody + metaBody, `{"object":"whatsapp_business_account","entry":"x"}`} {
		_, err := whatsapp.Parse([]byte(bad))
		assert.ErrorIs(t, err, whatsapp.ErrNotWebhook, bad)
	}

	t.Run("an odd timestamp does not sink the batch", func(t *testing.T) {
		p, err := whatsapp.Parse([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},"messages":[{"from":"1","id":"w","timestamp":"soon","type":"text","text":{"body":"x"}},{"from":"1","id":"v","timestamp":1717000001,"type":"text","text":{"body":"y"}}]}}]}]}`))
		require.NoError(t, err)
		ms := p.Values("1")[0].Messages
		assert.True(t, ms[0].Timestamp.Time().IsZero())
		assert.Equal(t, int64(1717000001), ms[1].Timestamp.Time().Unix())
	})
}

func newClient(fake *whatsapptest.Server) *whatsapp.Client {
	return whatsapp.New(whatsapp.Config{BaseURL: fake.URL, Version: "v22.0", PhoneNumberID: "123987456", Token: "tok"},
		nil, whatsapp.Backoff{Attempts: 4, Base: time.Millisecond, Max: 5 * time.Millisecond})
}

func TestClientSends(t *testing.T) {
	fake := whatsapptest.New(t)
	fake.SetToken("123987456", "tok")
	c := newClient(fake)
	ctx := context.Background()

	id, err := c.Send(ctx, "254712345678", whatsapp.TextMessage("Habari 👋 مرحبا"))
	require.NoError(t, err)
	list := whatsapp.ListMessage("Pick one", "A button label longer than twenty", whatsapp.Section{Title: "Ana", Rows: []whatsapp.Row{
		{ID: "att", Title: "Attendance this term, all of it"}, {ID: "results", Title: "Latest results"}}})
	_, err = c.Send(ctx, "254712345678", list)
	require.NoError(t, err)
	_, err = c.Send(ctx, "254712345678", whatsapp.ButtonsMessage("Which?", whatsapp.ButtonReply{ID: "a", Title: "A"}, whatsapp.ButtonReply{ID: "b", Title: "B"}))
	require.NoError(t, err)
	_, err = c.Send(ctx, "254712345678", whatsapp.TemplateMessage("absence_alert", "en", "Ana", "2025-06-02"))
	require.NoError(t, err)
	media, err := c.UploadMedia(ctx, "report.pdf", "application/pdf", []byte("%PDF-1.4 fake"))
	require.NoError(t, err)
	_, err = c.Send(ctx, "254712345678", whatsapp.DocumentMessage(media, "report.pdf", "Term 2 report"))
	require.NoError(t, err)
	require.NoError(t, c.MarkRead(ctx, "wamid.IN"))

	sent := fake.Sent()
	require.Len(t, sent, 5, "rejected: %v", fake.Rejected())
	assert.Equal(t, id, sent[0].WAMID)
	assert.Equal(t, "Habari 👋 مرحبا", sent[0].Message.Text.Body)
	assert.Equal(t, "A button label long…", sent[1].Message.Interactive.Action.Button, "labels are clipped to WhatsApp's 20")
	assert.Equal(t, "absence_alert", sent[3].Message.Template.Name)
	assert.Equal(t, media, sent[4].Message.Document.ID)
	require.Len(t, fake.Uploads(), 1)
	assert.Equal(t, []byte("%PDF-1.4 fake"), fake.Uploads()[0].Data)
	assert.Equal(t, []string{"wamid.IN"}, fake.Reads())
	assert.Empty(t, fake.Rejected())
}

func TestClientRetries(t *testing.T) {
	ctx := context.Background()
	retried := []whatsapptest.Failure{
		{HTTPStatus: 429, Code: whatsapp.CodeThroughput, Message: "(#130429) Rate limit hit"},
		{HTTPStatus: 400, Code: whatsapp.CodePairRateLimit, Message: "(#131056) Pair rate limit hit"},
		{HTTPStatus: 503, Code: 1, Message: "unavailable"},
		{HTTPStatus: 500, Code: 2, Message: "Service temporarily unavailable"},
	}
	for _, f := range retried {
		t.Run(f.Message, func(t *testing.T) {
			fake := whatsapptest.New(t)
			fake.Fail("", f, 2)
			_, err := newClient(fake).Send(ctx, "254700000001", whatsapp.TextMessage("hi"))
			require.NoError(t, err, "two failures then success within four attempts")
			assert.Len(t, fake.Sent(), 1)

			fake.Fail("", f, -1)
			_, err = newClient(fake).Send(ctx, "254700000001", whatsapp.TextMessage("hi"))
			require.Error(t, err)
			assert.Equal(t, f.Code, whatsapp.CodeOf(err))
			assert.True(t, whatsapp.NotSent(err), "an error answer proves nothing was sent")
		})
	}

	final := []whatsapptest.Failure{
		{HTTPStatus: 400, Code: whatsapp.CodeOutsideWindow, Message: "(#131047) Re-engagement message"},
		{HTTPStatus: 400, Code: whatsapp.CodeUndeliverable, Message: "(#131026) Message undeliverable"},
		{HTTPStatus: 401, Code: whatsapp.CodeTokenInvalid, Message: "Error validating access token"},
	}
	for _, f := range final {
		t.Run("no retry on "+f.Message, func(t *testing.T) {
			fake := whatsapptest.New(t)
			fake.Fail("", f, 1)
			_, err := newClient(fake).Send(ctx, "254700000001", whatsapp.TextMessage("hi"))
			require.Error(t, err)
			assert.Equal(t, f.Code, whatsapp.CodeOf(err))
			_, err = newClient(fake).Send(ctx, "254700000001", whatsapp.TextMessage("hi"))
			require.NoError(t, err, "the one failure was used up by a single attempt")
		})
	}

	t.Run("a wrong token is code 190", func(t *testing.T) {
		fake := whatsapptest.New(t)
		fake.SetToken("123987456", "the-right-one")
		_, err := newClient(fake).Send(ctx, "254700000001", whatsapp.TextMessage("hi"))
		assert.Equal(t, whatsapp.CodeTokenInvalid, whatsapp.CodeOf(err))
	})
}

func TestClientTransportErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c := whatsapp.New(whatsapp.Config{BaseURL: "http://" + addr, PhoneNumberID: "1", Token: "t"}, nil, whatsapp.DefaultBackoff)
	_, err = c.Send(context.Background(), "254700000001", whatsapp.TextMessage("hi"))
	require.Error(t, err)
	assert.True(t, whatsapp.NotSent(err), "a refused connection never reached WhatsApp: %v", err)

	// A server that takes the request and hangs up without answering may have acted on it.
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer hang.Close()
	go func() {
		for {
			conn, err := hang.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 4096)
			conn.Read(buf)
			conn.Close()
		}
	}()
	c = whatsapp.New(whatsapp.Config{BaseURL: "http://" + hang.Addr().String(), PhoneNumberID: "1", Token: "t"},
		&http.Client{Timeout: 5 * time.Second}, whatsapp.DefaultBackoff)
	_, err = c.Send(context.Background(), "254700000001", whatsapp.TextMessage("hi"))
	require.Error(t, err)
	assert.False(t, whatsapp.NotSent(err), "an answer that never came does not prove the message was not sent: %v", err)
}
