// Package whatsapptest is a loopback fake of the WhatsApp Cloud API's Graph endpoints
// the bot uses: send a message, upload media, mark read. It checks requests as strictly
// as the real API does what the bot relies on (token, shape, WhatsApp's limits), records
// what was sent, and can be told to fail or to hold sends, so tests see the bot's
// behaviour against errors and crashes without a Meta account.
package whatsapptest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/schoolsms/sms/app/chatbot/whatsapp"
)

// Sent is one message the fake accepted (or holds).
type Sent struct {
	PhoneNumberID string // the business number it was sent from
	To            string
	Message       whatsapp.Message
	WAMID         string // the id the fake answered with
	Raw           []byte
	At            time.Time // when the fake received it
}

// Upload is a file uploaded to the media endpoint.
type Upload struct {
	PhoneNumberID string
	ID            string
	Filename      string
	Mime          string
	Data          []byte
}

// Failure is an error answer the fake gives instead of accepting a send.
type Failure struct {
	HTTPStatus int
	Code       int
	Message    string
}

type failRule struct {
	to    string // "" matches every recipient
	f     Failure
	times int // < 0: always
}

// Server is the fake Graph API.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	tokens   map[string]string // phone_number_id -> the only token accepted
	sent     []Sent
	uploads  []Upload
	reads    []string
	rejected []string // why requests were refused as malformed
	rules    []failRule
	hold     chan struct{} // while non-nil, sends wait for it to close
	held     int
	seq      int
	onSend   func(Sent)
}

// OnSend calls fn with every message accepted from now on (benchmarks use it to time
// replies without polling).
func (s *Server) OnSend(fn func(Sent)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onSend = fn
}

// New starts a fake on a loopback port, closed when the test ends.
func New(t testing.TB) *Server {
	s := &Server{tokens: map[string]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		s.Release()
		s.Server.Close()
	})
	return s
}

// SetToken makes the fake accept only token for the business number id.
func (s *Server) SetToken(phoneNumberID, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[phoneNumberID] = token
}

// Fail answers the next times sends to phone to ("" for any phone) with f; times < 0
// fails every send.
func (s *Server) Fail(to string, f Failure, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = append(s.rules, failRule{to: to, f: f, times: times})
}

// Hold makes sends wait, after they are recorded, until Release: a send the fake holds
// has reached it.
func (s *Server) Hold() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hold == nil {
		s.hold = make(chan struct{})
	}
}

// Release lets held sends answer.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hold != nil {
		close(s.hold)
		s.hold = nil
	}
}

// Held is how many sends are waiting now.
func (s *Server) Held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held
}

// Sent returns every message accepted so far (held ones included).
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// SentTo returns the messages sent to one phone.
func (s *Server) SentTo(to string) []Sent {
	var out []Sent
	for _, m := range s.Sent() {
		if m.To == to {
			out = append(out, m)
		}
	}
	return out
}

// Uploads returns the uploaded files.
func (s *Server) Uploads() []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Upload(nil), s.uploads...)
}

// Reads returns the message ids marked read.
func (s *Server) Reads() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.reads...)
}

// Rejected returns why malformed requests were refused (a test of the bot expects none).
func (s *Server) Rejected() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.rejected...)
}

// WaitSent waits until cond holds for the messages sent so far, failing the test after
// a generous deadline (a bound on a hang, not a timing assertion).
func (s *Server) WaitSent(t testing.TB, what string, cond func([]Sent) bool) []Sent {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		sent := s.Sent()
		if cond(sent) {
			return sent
		}
		if time.Now().After(deadline) {
			t.Fatalf("the fake Graph API never saw %s; it saw %d messages: %s; rejected: %v", what, len(sent), describe(sent), s.Rejected())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func describe(sent []Sent) string {
	var b strings.Builder
	for i, m := range sent {
		if i == 20 {
			fmt.Fprintf(&b, " …")
			break
		}
		fmt.Fprintf(&b, " [%s→%s %s %q]", m.PhoneNumberID, m.To, m.Message.Type, whatsapp.Clip(m.Message.Preview(), 60))
	}
	return b.String()
}

var pathPattern = regexp.MustCompile(`^/(v[0-9]+\.[0-9]+)/([^/]+)/(messages|media)$`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	m := pathPattern.FindStringSubmatch(r.URL.Path)
	if r.Method != http.MethodPost || m == nil {
		writeError(w, http.StatusNotFound, Failure{Code: 100, Message: "Unsupported request: " + r.Method + " " + r.URL.Path})
		return
	}
	phoneID, edge := m[2], m[3]
	s.mu.Lock()
	want, known := s.tokens[phoneID]
	s.mu.Unlock()
	if got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "); known && got != want {
		writeError(w, http.StatusUnauthorized, Failure{Code: whatsapp.CodeTokenInvalid, Message: "Error validating access token: Session has expired"})
		return
	}
	if edge == "media" {
		s.upload(w, r, phoneID)
		return
	}
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var body struct {
		MessagingProduct string `json:"messaging_product"`
		To               string `json:"to"`
		Status           string `json:"status"`
		MessageID        string `json:"message_id"`
		whatsapp.Message
	}
	if err := json.Unmarshal(raw, &body); err != nil || body.MessagingProduct != "whatsapp" {
		s.reject(w, "not a WhatsApp message: "+string(raw))
		return
	}
	if body.Status == "read" {
		s.mu.Lock()
		s.reads = append(s.reads, body.MessageID)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"success":true}`)
		return
	}
	if msg := check(body.To, body.Message); msg != "" {
		s.reject(w, msg)
		return
	}

	s.mu.Lock()
	for i := range s.rules {
		rule := &s.rules[i]
		if rule.times != 0 && (rule.to == "" || rule.to == body.To) {
			if rule.times > 0 {
				rule.times--
			}
			f := rule.f
			s.mu.Unlock()
			if f.HTTPStatus == 0 {
				f.HTTPStatus = http.StatusBadRequest
			}
			writeError(w, f.HTTPStatus, f)
			return
		}
	}
	s.seq++
	id := fmt.Sprintf("wamid.FAKE%06d", s.seq)
	sent := Sent{PhoneNumberID: phoneID, To: body.To, Message: body.Message, WAMID: id, Raw: raw, At: time.Now()}
	s.sent = append(s.sent, sent)
	notify := s.onSend
	hold := s.hold
	if hold != nil {
		s.held++
	}
	s.mu.Unlock()
	if notify != nil {
		notify(sent)
	}
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
		}
		s.mu.Lock()
		s.held--
		s.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"messaging_product":"whatsapp","contacts":[{"input":%q,"wa_id":%q}],"messages":[{"id":%q}]}`, body.To, body.To, id)
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request, phoneID string) {
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		s.reject(w, "media upload is not multipart: "+err.Error())
		return
	}
	if r.FormValue("messaging_product") != "whatsapp" {
		s.reject(w, "media upload without messaging_product=whatsapp")
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		s.reject(w, "media upload without a file part")
		return
	}
	defer f.Close()
	data, _ := io.ReadAll(f)
	s.mu.Lock()
	s.seq++
	id := fmt.Sprintf("%d", 900000+s.seq)
	s.uploads = append(s.uploads, Upload{PhoneNumberID: phoneID, ID: id, Filename: hdr.Filename, Mime: r.FormValue("type"), Data: data})
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"id":%q}`, id)
}

func (s *Server) reject(w http.ResponseWriter, why string) {
	s.mu.Lock()
	s.rejected = append(s.rejected, why)
	s.mu.Unlock()
	writeError(w, http.StatusBadRequest, Failure{Code: whatsapp.CodeInvalidParam, Message: "(#100) Invalid parameter: " + why})
}

func writeError(w http.ResponseWriter, status int, f Failure) {
	w.Header().Set("Content-Type", "application/json")
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "0")
	}
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": f.Message, "type": "OAuthException",
		"code": f.Code, "error_data": map[string]any{"details": f.Message}, "fbtrace_id": "FAKE"}})
	w.Write(b)
}

var digits = regexp.MustCompile(`^[0-9]{6,15}$`)

// check applies the Cloud API's rules the bot must follow; "" when the message is fine.
func check(to string, m whatsapp.Message) string {
	if !digits.MatchString(to) {
		return fmt.Sprintf("recipient %q is not a phone number in digits", to)
	}
	n := func(s string) int { return utf8.RuneCountInString(s) }
	set := 0
	for _, p := range []bool{m.Text != nil, m.Interactive != nil, m.Document != nil, m.Template != nil} {
		if p {
			set++
		}
	}
	if set != 1 {
		return "a message has exactly one of text, interactive, document, template"
	}
	switch m.Type {
	case "text":
		if m.Text == nil || m.Text.Body == "" || n(m.Text.Body) > whatsapp.MaxTextBody {
			return "text body missing or too long"
		}
	case "interactive":
		i := m.Interactive
		if i == nil || i.Body.Text == "" || n(i.Body.Text) > whatsapp.MaxInteractiveBody {
			return "interactive body missing or too long"
		}
		switch i.Type {
		case "list":
			if i.Action.Button == "" || n(i.Action.Button) > whatsapp.MaxButtonLabel || len(i.Action.Sections) == 0 {
				return "list needs a button label of at most 20 characters and a section"
			}
			rows, ids := 0, map[string]bool{}
			for _, s := range i.Action.Sections {
				if len(i.Action.Sections) > 1 && s.Title == "" {
					return "sections of a list with several need titles"
				}
				for _, r := range s.Rows {
					rows++
					if r.ID == "" || ids[r.ID] || r.Title == "" || n(r.Title) > whatsapp.MaxRowTitle || n(r.Description) > whatsapp.MaxRowDescription {
						return fmt.Sprintf("list row %q breaks the rules (unique id, title <= 24, description <= 72)", r.Title)
					}
					ids[r.ID] = true
				}
			}
			if rows == 0 || rows > whatsapp.MaxListRows {
				return "a list has 1 to 10 rows"
			}
		case "button":
			if len(i.Action.Buttons) == 0 || len(i.Action.Buttons) > whatsapp.MaxReplyButtons {
				return "1 to 3 reply buttons"
			}
			for _, b := range i.Action.Buttons {
				if b.Type != "reply" || b.Reply.ID == "" || b.Reply.Title == "" || n(b.Reply.Title) > whatsapp.MaxButtonLabel {
					return "reply button breaks the rules"
				}
			}
		default:
			return "unknown interactive type " + i.Type
		}
	case "document":
		if m.Document == nil || (m.Document.ID == "" && m.Document.Link == "") {
			return "document needs an id or a link"
		}
	case "template":
		if m.Template == nil || m.Template.Name == "" || m.Template.Language.Code == "" {
			return "template needs a name and a language"
		}
	default:
		return "unknown message type " + m.Type
	}
	return ""
}
