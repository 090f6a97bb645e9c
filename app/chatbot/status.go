package chatbot

import (
	"context"
	"strconv"

	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Status is the bot's health for one school.
type Status struct {
	Configured  bool    `json:"configured"`
	Channel     Channel `json:"channel"`
	WorkerUp    bool    `json:"worker_running"`
	Queue       Queue   `json:"queue"`
	DeadLetters int64   `json:"dead_letters"`
	LLM         LLMInfo `json:"llm"`
}

// Queue is the school's backlog.
type Queue struct {
	// Triggers waiting in the JetStream work queue for this school (null when the
	// worker is not running).
	Triggers        *int64 `json:"triggers"`
	InboundPending  int64  `json:"inbound_pending"`  // messages not answered yet
	OutboundPending int64  `json:"outbound_pending"` // messages out not sent yet
	AlertsPending   int64  `json:"alerts_pending"`   // absence alerts not due yet
}

// LLMInfo says whether free text goes to a language model.
type LLMInfo struct {
	Enabled bool   `json:"enabled"`
	Model   string `json:"model,omitempty"`
}

// Status returns the school's bot status.
func (m *Bot) Status(ctx context.Context, t *db.Tenant) (Status, error) {
	q := t.Read()
	st, err := loadSettings(ctx, q)
	if err != nil {
		return Status{}, errs.Wrap(err, "read whatsapp settings")
	}
	out := Status{Configured: configured(st), Channel: settingsView(st).Channel, WorkerUp: m.queue.Load() != nil,
		LLM: LLMInfo{Enabled: m.LLM != nil, Model: m.LLMModel}}
	if n, ok := m.backlog(ctx, t.Schema); ok {
		out.Queue.Triggers = &n
	}
	if out.Queue.InboundPending, err = q.ChatbotInboundCountPending(ctx); err != nil {
		return Status{}, errs.Wrap(err, "count pending")
	}
	if out.Queue.OutboundPending, err = q.ChatbotOutboundCountOpen(ctx); err != nil {
		return Status{}, errs.Wrap(err, "count pending")
	}
	if out.Queue.AlertsPending, err = q.ChatbotAlertsCountPending(ctx); err != nil {
		return Status{}, errs.Wrap(err, "count pending")
	}
	if out.DeadLetters, err = q.ChatbotDeadLettersCount(ctx); err != nil {
		return Status{}, errs.Wrap(err, "count dead letters")
	}
	return out, nil
}

// DeadLetter is work the worker gave up on.
type DeadLetter struct {
	ID         int64  `json:"id"`
	Kind       string `json:"kind"` // inbound, outbound, alert, broadcast
	Ref        string `json:"ref"`
	Phone      string `json:"phone"`
	Error      string `json:"error"`
	Deliveries int64  `json:"deliveries"`
	CreatedAt  string `json:"created_at"`
}

// DeadLetters is one page of them, newest first.
func (m *Bot) DeadLetters(ctx context.Context, t *db.Tenant, page query.Page) ([]DeadLetter, int64, error) {
	n, err := t.Read().ChatbotDeadLettersCount(ctx)
	if err != nil {
		return nil, 0, errs.Wrap(err, "count dead letters")
	}
	rows, err := t.Read().ChatbotDeadLettersList(ctx, tenantdb.ChatbotDeadLettersListParams{Limit: page.Limit(), Offset: page.Offset()})
	if err != nil {
		return nil, 0, errs.Wrap(err, "list dead letters")
	}
	out := make([]DeadLetter, 0, len(rows))
	for _, r := range rows {
		out = append(out, DeadLetter(r))
	}
	return out, n, nil
}

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }
