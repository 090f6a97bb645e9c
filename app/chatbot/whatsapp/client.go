package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultBaseURL and DefaultVersion are the real Graph API; a school's settings can
// point elsewhere (tests use a loopback fake).
const (
	DefaultBaseURL = "https://graph.facebook.com"
	DefaultVersion = "v22.0"
)

// Error codes of the Cloud API the bot acts on.
const (
	CodeTokenInvalid    = 190    // the access token expired or was revoked
	CodeThroughput      = 130429 // the number's message rate is exceeded
	CodeOutsideWindow   = 131047 // more than 24 hours since the phone last wrote: send a template
	CodeUndeliverable   = 131026 // the phone cannot receive the message
	CodePairRateLimit   = 131056 // too many messages to this phone just now
	CodeRecipientNotOK  = 131030 // the number is not on the test allow-list
	CodeInvalidParam    = 100
	CodeUnsupportedType = 131051
)

// Config is where and as whom a client sends.
type Config struct {
	BaseURL       string // https://graph.facebook.com
	Version       string // v22.0
	PhoneNumberID string
	Token         string
}

// Backoff is how a client retries what WhatsApp says to retry (429, 130429, 131056,
// 5xx): up to Attempts tries in all, waiting Base, then twice that, up to Max, or what
// a Retry-After header asks if it is longer.
type Backoff struct {
	Attempts int
	Base     time.Duration
	Max      time.Duration
}

// DefaultBackoff keeps a worker's retries within about ten seconds; longer outages are
// retried by redelivering the work later.
var DefaultBackoff = Backoff{Attempts: 4, Base: 500 * time.Millisecond, Max: 4 * time.Second}

// Client sends for one business number.
type Client struct {
	cfg     Config
	http    *http.Client
	backoff Backoff
}

// New returns a client; hc nil uses a client with a 30 s timeout.
func New(cfg Config, hc *http.Client, b Backoff) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	if b.Attempts < 1 {
		b.Attempts = 1
	}
	return &Client{cfg: cfg, http: hc, backoff: b}
}

// APIError is an error answer of the Graph API.
type APIError struct {
	HTTPStatus int
	Code       int
	Subcode    int
	Type       string
	Message    string
	Details    string
	TraceID    string
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("graph api: HTTP %d, code %d: %s", e.HTTPStatus, e.Code, e.Message)
	if e.Details != "" {
		s += " (" + e.Details + ")"
	}
	return s
}

// Retryable reports whether WhatsApp asks to try again later.
func (e *APIError) Retryable() bool {
	switch e.Code {
	case CodeThroughput, CodePairRateLimit:
		return true
	case CodeOutsideWindow, CodeUndeliverable, CodeTokenInvalid, CodeRecipientNotOK:
		return false
	}
	return e.HTTPStatus == http.StatusTooManyRequests || e.HTTPStatus >= 500
}

// CodeOf returns the Graph API error code of err, 0 if it is not an API error.
func CodeOf(err error) int {
	var e *APIError
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// TransportError is a failure to get an answer from the Graph API at all.
type TransportError struct {
	Err error
	// Reached is false only when the request provably never left this machine (the
	// connection could not be made); otherwise WhatsApp may have acted on it.
	Reached bool
}

func (e *TransportError) Error() string {
	if !e.Reached {
		return "graph api not reached: " + e.Err.Error()
	}
	return "graph api: no answer: " + e.Err.Error()
}

func (e *TransportError) Unwrap() error { return e.Err }

// NotSent reports whether err proves that the request did not make WhatsApp send
// anything: an error answer, or a connection that was never made.
func NotSent(err error) bool {
	var api *APIError
	if errors.As(err, &api) {
		return true
	}
	var te *TransportError
	return errors.As(err, &te) && !te.Reached
}

type sendBody struct {
	MessagingProduct string `json:"messaging_product"`
	RecipientType    string `json:"recipient_type"`
	To               string `json:"to"`
	Message
}

type sendAnswer struct {
	Messages []struct {
		ID string `json:"id"`
	} `json:"messages"`
}

// Send sends m to the phone to (digits, as WhatsApp writes them) and returns the new
// message's id.
func (c *Client) Send(ctx context.Context, to string, m Message) (string, error) {
	b, err := json.Marshal(sendBody{MessagingProduct: "whatsapp", RecipientType: "individual", To: to, Message: m})
	if err != nil {
		return "", err
	}
	var ans sendAnswer
	if err := c.post(ctx, "messages", "application/json", b, &ans); err != nil {
		return "", err
	}
	if len(ans.Messages) == 0 || ans.Messages[0].ID == "" {
		return "", &TransportError{Err: errors.New("the answer names no message id"), Reached: true}
	}
	return ans.Messages[0].ID, nil
}

// MarkRead shows the phone that its message was read.
func (c *Client) MarkRead(ctx context.Context, wamid string) error {
	b, _ := json.Marshal(map[string]string{"messaging_product": "whatsapp", "status": "read", "message_id": wamid})
	var ans struct {
		Success bool `json:"success"`
	}
	return c.post(ctx, "messages", "application/json", b, &ans)
}

// UploadMedia uploads a file (a report card PDF) and returns the media id to send it
// by. Uploading needs no address the phone's WhatsApp could fetch from, which a school
// appliance on a LAN does not have.
func (c *Client) UploadMedia(ctx context.Context, filename, mime string, data []byte) (string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("messaging_product", "whatsapp")
	w.WriteField("type", mime)
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, filename))
	h.Set("Content-Type", mime)
	part, err := w.CreatePart(h)
	if err != nil {
		return "", err
	}
	part.Write(data)
	if err := w.Close(); err != nil {
		return "", err
	}
	var ans struct {
		ID string `json:"id"`
	}
	if err := c.post(ctx, "media", w.FormDataContentType(), buf.Bytes(), &ans); err != nil {
		return "", err
	}
	if ans.ID == "" {
		return "", &TransportError{Err: errors.New("the upload answer names no media id"), Reached: true}
	}
	return ans.ID, nil
}

// post sends body to {base}/{version}/{phone_number_id}/{edge}, retrying what may be
// retried, and decodes a success into out.
func (c *Client) post(ctx context.Context, edge, contentType string, body []byte, out any) error {
	u := strings.TrimRight(c.cfg.BaseURL, "/") + "/" + url.PathEscape(c.cfg.Version) + "/" +
		url.PathEscape(c.cfg.PhoneNumberID) + "/" + edge
	var err error
	for attempt := 1; ; attempt++ {
		err = c.once(ctx, u, contentType, body, out)
		var api *APIError
		if err == nil || !errors.As(err, &api) || !api.Retryable() || attempt >= c.backoff.Attempts {
			return err
		}
		wait := c.backoff.Base << (attempt - 1)
		if c.backoff.Max > 0 && wait > c.backoff.Max {
			wait = c.backoff.Max
		}
		if api.RetryAfter > wait {
			wait = api.RetryAfter
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

func (c *Client) once(ctx context.Context, u, contentType string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	resp, err := c.http.Do(req)
	if err != nil {
		return &TransportError{Err: err, Reached: !dialFailed(err)}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return &TransportError{Err: err, Reached: true}
	}
	if resp.StatusCode >= 300 {
		return apiError(resp, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return &TransportError{Err: fmt.Errorf("unreadable answer: %w", err), Reached: true}
		}
	}
	return nil
}

func apiError(resp *http.Response, raw []byte) *APIError {
	var ans struct {
		Error struct {
			Message      string `json:"message"`
			Type         string `json:"type"`
			Code         int    `json:"code"`
			ErrorSubcode int    `json:"error_subcode"`
			ErrorData    struct {
				Details string `json:"details"`
			} `json:"error_data"`
			FBTraceID string `json:"fbtrace_id"`
		} `json:"error"`
	}
	json.Unmarshal(raw, &ans)
	e := &APIError{HTTPStatus: resp.StatusCode, Code: ans.Error.Code, Subcode: ans.Error.ErrorSubcode,
		Type: ans.Error.Type, Message: ans.Error.Message, Details: ans.Error.ErrorData.Details, TraceID: ans.Error.FBTraceID}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	if s := resp.Header.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			e.RetryAfter = time.Duration(n) * time.Second
		}
	}
	return e
}

// dialFailed reports whether err happened while connecting (DNS, refused, unreachable):
// then nothing of the request was written.
func dialFailed(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}
