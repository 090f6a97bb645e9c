package chatbot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/schoolsms/sms/app/chatbot/llm"
	"github.com/schoolsms/sms/app/chatbot/whatsapp"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// The tools the model may call. Each takes a child's id; the code, not the model,
// decides whether that child is the asking guardian's.
var assistantTools = []llm.Tool{
	{Name: "get_attendance", Description: "Attendance of one of the parent's children in the current term.", Params: childParam},
	{Name: "get_results", Description: "Latest published exam results of one of the parent's children.", Params: childParam},
	{Name: "get_term_dates", Description: "The school's term dates this year (the same for every child).", Params: childParam},
	{Name: "get_notices", Description: "Current school notices for one of the parent's children.", Params: childParam},
}

var childParam = []llm.Param{{Name: "student_id", Type: "integer", Description: "the id of one of the parent's children, from the list in the instructions", Required: true}}

// assistantRounds bounds the model calls for one question.
const assistantRounds = 4

// ask puts a guardian's free text to the language model, with tools that only read the
// guardian's own children. The answer is clipped to Options.MaxReply characters; an
// error, a timeout or an empty answer leaves the caller to show the menu.
func (m *Bot) ask(ctx context.Context, t *db.Tenant, school string, g guardian, kids []child, current child, question string) (string, error) {
	o := m.opts()
	ctx, cancel := context.WithTimeout(ctx, o.LLMTimeout)
	defer cancel()
	mine := map[int64]child{}
	var list []string
	for _, k := range kids {
		mine[k.id] = k
		list = append(list, fmt.Sprintf("id %d: %s (%s)", k.id, k.name(), firstNonEmpty(k.className, "no class")))
	}
	system := "You are the WhatsApp assistant of " + school + ". You are talking with " + g.name +
		", a parent or guardian. You may only talk about their own children: " + strings.Join(list, "; ") +
		". The child they asked about last is id " + strconv.FormatInt(current.id, 10) +
		". Use the tools to look facts up and never guess; if a tool says something is not available, say so. " +
		"If asked about any other student, say you can only help with their own children. " +
		"Answer briefly, in plain text, in the language the parent wrote in."
	run := func(ctx context.Context, call llm.ToolCall) (string, error) {
		id, ok := llm.IntArg(call, "student_id")
		k, mineOK := mine[id]
		if !ok || !mineOK {
			m.Log.Warn("chatbot: refused a language-model tool call for a student who is not the guardian's",
				slog.String("tenant", t.Schema), slog.String("tool", call.Name), slog.Any("student_id", call.Args["student_id"]),
				slog.Int64("guardian_id", g.id))
			return "Refused: that student_id is not one of this parent's children. Only these may be looked up: " +
				strings.Join(list, "; "), nil
		}
		return m.toolAnswer(ctx, t, call.Name, k)
	}
	answer, err := llm.Answer(ctx, m.LLM, llm.Request{Tools: assistantTools, Messages: []llm.Message{
		{Role: llm.RoleSystem, Content: system},
		{Role: llm.RoleUser, Content: whatsapp.Clip(question, 2000)},
	}}, run, assistantRounds)
	if err != nil {
		return "", err
	}
	answer = strings.TrimSpace(answer)
	return whatsapp.Clip(answer, o.MaxReply), nil
}

// toolAnswer is what a tool tells the model about child k.
func (m *Bot) toolAnswer(ctx context.Context, t *db.Tenant, tool string, k child) (string, error) {
	notAvailable := func(what string) string { return what + " for " + k.first + " are not available yet." }
	switch tool {
	case "get_attendance":
		s, err := m.Attendance.TermAttendance(ctx, t, k.id)
		if errors.Is(err, ErrNotAvailable) {
			return notAvailable("Attendance records"), nil
		}
		return s, err
	case "get_results":
		r, err := m.Results.LatestResults(ctx, t, k.id)
		if errors.Is(err, ErrNotAvailable) {
			return notAvailable("Published results"), nil
		}
		return r.Summary, err
	case "get_term_dates":
		return termDates(ctx, t)
	case "get_notices":
		ns, err := m.Notices.CurrentNotices(ctx, t, k.id)
		if errors.Is(err, ErrNotAvailable) {
			return "School notices are not available yet.", nil
		}
		return noticesText(ns), err
	}
	return "There is no tool called " + tool + ".", nil
}

func logAttrs(t *db.Tenant, in tenantdb.ChatbotInbound) slog.Attr {
	return slog.Group("message", slog.String("tenant", t.Schema), slog.String("wamid", in.Wamid), slog.Int64("conversation", in.ConversationID))
}
