package chatbot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/chatbot"
	"github.com/schoolsms/sms/app/chatbot/llm"
	"github.com/schoolsms/sms/app/chatbot/llm/ollamatest"
)

func withModel(t *testing.T, fake *ollamatest.Server, model string) func(*app.App) {
	return func(a *app.App) {
		c, err := llm.NewOllama(fake.URL, model, nil)
		require.NoError(t, err)
		a.Chatbot.LLM, a.Chatbot.LLMModel = c, model
	}
}

// TestLanguageModel: free text goes to the model with tools. A tool call for the
// guardian's own child is answered; one for another family's child is refused in code,
// whatever the model asks; the model's words are clipped; an error, an unknown model or
// a model too slow leave the guardian with the menu.
func TestLanguageModel(t *testing.T) {
	t.Parallel()
	fake := ollamatest.New(t, "qwen2.5:1.5b")
	w := newWorld(t, withModel(t, fake, "qwen2.5:1.5b"), func(a *app.App) {
		a.Chatbot.Options.MaxReply = 300
		a.Chatbot.Options.LLMTimeout = 2 * 1e9
	})
	a := w.addSchool("alpha", "1001")
	_, mine := w.guardian(a, "Amina Otieno", "+254711000001", "Ana Otieno")
	_, theirs := w.guardian(a, "Other Parent", "+254733000003", "Zawadi Secret")
	phone := "254711000001"

	// The model asks for the other family's child first, then for the asking parent's.
	fake.Reply(func(req api.ChatRequest) ollamatest.Turn {
		last := req.Messages[len(req.Messages)-1]
		if last.Role == "user" {
			return ollamatest.Call(ollamatest.ToolCall("get_attendance", "student_id", theirs[0]))
		}
		if strings.HasPrefix(last.Content, "Refused") {
			return ollamatest.Call(ollamatest.ToolCall("get_attendance", "student_id", mine[0]))
		}
		return ollamatest.Say("Tool said: " + last.Content)
	})
	w.send(a, phone, "wamid.q1", "Was my daughter in school this week?")
	reply := body(w.nth(phone, 1))
	assert.Contains(t, reply, "Tool said: Present 41 of 43 days (student "+itoa(mine[0])+")")
	assert.NotContains(t, reply, itoa(theirs[0]))
	reqs := fake.Requests()
	require.Len(t, reqs, 3)
	var toolAnswers []string
	for _, m := range reqs[2].Messages {
		if m.Role == "tool" {
			toolAnswers = append(toolAnswers, m.Content)
		}
	}
	require.Len(t, toolAnswers, 2)
	assert.True(t, strings.HasPrefix(toolAnswers[0], "Refused"), "the other child's data was never looked up: %q", toolAnswers[0])
	assert.NotContains(t, toolAnswers[0], "Zawadi", "nor named to the model")
	assert.Contains(t, reqs[0].Messages[0].Content, "Ana Otieno", "the model is told the parent's own children")
	assert.NotContains(t, reqs[0].Messages[0].Content, "Zawadi")
	assert.Contains(t, w.s.Logs(), "refused a language-model tool call")

	t.Run("the model's text is clipped", func(t *testing.T) {
		fake.Reply(func(api.ChatRequest) ollamatest.Turn { return ollamatest.Say(strings.Repeat("blah ", 500)) })
		w.send(a, phone, "wamid.q2", "tell me everything")
		reply := body(w.nth(phone, 2))
		assert.LessOrEqual(t, len([]rune(reply)), 300+len("\n\nType *menu* for the menu."))
	})
	for i, turn := range []ollamatest.Turn{ollamatest.Fail("model runner crashed"), {Hang: true}, {Status: 500, Lines: []ollamatest.Line{{Error: "boom"}}}} {
		t.Run("failure falls back to the menu", func(t *testing.T) {
			fake.Reply(func(api.ChatRequest) ollamatest.Turn { return turn })
			w.send(a, phone, "wamid.f"+itoa(int64(i)), "a question")
			m := w.nth(phone, 3+i)
			assert.Contains(t, body(m), "Sorry, I could not answer that just now.")
			assert.Contains(t, rowIDs(m), "att")
		})
	}
	t.Run("menu words never reach the model", func(t *testing.T) {
		before := len(fake.Requests())
		w.send(a, phone, "wamid.menu", "results")
		assert.Contains(t, body(w.nth(phone, 6)), "no published results")
		assert.Len(t, fake.Requests(), before)
	})
}

// TestUnknownModel: a model the server does not have (404) leaves the menu working.
func TestUnknownModel(t *testing.T) {
	t.Parallel()
	fake := ollamatest.New(t, "qwen2.5:1.5b")
	w := newWorld(t, withModel(t, fake, "llama3.2:1b"))
	a := w.addSchool("alpha", "1001")
	w.guardian(a, "Amina Otieno", "+254711000001", "Ana")
	w.send(a, "254711000001", "wamid.q", "how is Ana doing?")
	assert.Contains(t, body(w.nth("254711000001", 1)), "Sorry, I could not answer that just now.")
}

// TestSlowAnswerIsNotRedelivered: a model slower than the trigger's ack wait keeps its
// trigger (in-progress acks) instead of having it delivered to another worker, and the
// guardian gets one answer.
func TestSlowAnswerIsNotRedelivered(t *testing.T) {
	t.Parallel()
	url, js := startNATS(t)
	fake := ollamatest.New(t, "qwen2.5:1.5b")
	fake.Reply(func(api.ChatRequest) ollamatest.Turn { return ollamatest.Turn{Hang: true} })
	w := newWorld(t, withModel(t, fake, "qwen2.5:1.5b"), func(a *app.App) {
		a.Config.NATSURL = url
		a.Chatbot.Options.AckWait = 2 * time.Second
		a.Chatbot.Options.LLMTimeout = 5 * time.Second
		a.Chatbot.Options.SweepEvery = time.Hour // the webhook's trigger is the only one
	})
	a := w.addSchool("alpha", "1001")
	w.guardian(a, "Amina Otieno", "+254711000001", "Ana")
	w.send(a, "254711000001", "wamid.slow", "how is Ana doing?")
	assert.Contains(t, body(w.nth("254711000001", 1)), "Sorry, I could not answer that just now.")
	drained(t, js, chatbot.WorkStream, "chatbot-inbound")
	c, err := js.Consumer(context.Background(), chatbot.WorkStream, "chatbot-inbound")
	require.NoError(t, err)
	info, err := c.Info(context.Background())
	require.NoError(t, err)
	// Every trigger of the stream (this consumer's only) was delivered once: a
	// redelivery would move the consumer's sequence past the stream's.
	assert.Equal(t, info.Delivered.Stream, info.Delivered.Consumer, "no trigger was delivered twice")
	assert.Len(t, fake.Requests(), 1, "the question went to the model once")
	assert.Len(t, w.graph.SentTo("254711000001"), 1)
}
