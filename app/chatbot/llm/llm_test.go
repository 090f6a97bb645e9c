package llm_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/chatbot/llm"
	"github.com/schoolsms/sms/app/chatbot/llm/ollamatest"
)

var attendanceTool = llm.Tool{Name: "get_attendance", Description: "attendance of a child this term",
	Params: []llm.Param{{Name: "student_id", Type: "integer", Description: "the child's id", Required: true}}}

func TestOllamaChat(t *testing.T) {
	fake := ollamatest.New(t, "qwen2.5:1.5b")
	c, err := llm.NewOllama(fake.URL, "qwen2.5:1.5b", nil)
	require.NoError(t, err)
	ctx := context.Background()

	t.Run("text streamed in chunks is joined", func(t *testing.T) {
		fake.Reply(func(api.ChatRequest) ollamatest.Turn { return ollamatest.Say("Ana was in school every day.") })
		m, err := c.Chat(ctx, llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: "Was Ana in school?"}}, Tools: []llm.Tool{attendanceTool}})
		require.NoError(t, err)
		assert.Equal(t, "Ana was in school every day.", m.Content)
		req := fake.Requests()[len(fake.Requests())-1]
		require.NotNil(t, req.Stream)
		assert.False(t, *req.Stream, "the bot asks for one answer")
		require.Len(t, req.Tools, 1)
		assert.Equal(t, "get_attendance", req.Tools[0].Function.Name)
		assert.Equal(t, []string{"student_id"}, req.Tools[0].Function.Parameters.Required)
	})

	t.Run("tool calls and the loop that answers them", func(t *testing.T) {
		fake.Reply(func(req api.ChatRequest) ollamatest.Turn {
			last := req.Messages[len(req.Messages)-1]
			if last.Role == "tool" {
				return ollamatest.Say("Answer: " + last.Content)
			}
			return ollamatest.Call(ollamatest.ToolCall("get_attendance", "student_id", 7))
		})
		var calls []llm.ToolCall
		out, err := llm.Answer(ctx, c, llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: "attendance?"}}, Tools: []llm.Tool{attendanceTool}},
			func(_ context.Context, call llm.ToolCall) (string, error) {
				calls = append(calls, call)
				id, ok := llm.IntArg(call, "student_id")
				require.True(t, ok)
				assert.Equal(t, int64(7), id)
				return "present 40 of 42 days", nil
			}, 3)
		require.NoError(t, err)
		assert.Equal(t, "Answer: present 40 of 42 days", out)
		require.Len(t, calls, 1)
		reqs := fake.Requests()
		last := reqs[len(reqs)-1]
		require.Len(t, last.Messages, 3, "user, the assistant's call, the tool's answer")
		assert.Equal(t, "get_attendance", last.Messages[2].ToolName)
	})

	t.Run("a model that only calls tools gives no answer", func(t *testing.T) {
		fake.Reply(func(api.ChatRequest) ollamatest.Turn {
			return ollamatest.Call(ollamatest.ToolCall("get_attendance", "student_id", 7))
		})
		_, err := llm.Answer(ctx, c, llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: "?"}}},
			func(context.Context, llm.ToolCall) (string, error) { return "x", nil }, 2)
		assert.ErrorIs(t, err, llm.ErrNoAnswer)
	})

	t.Run("an error line in the stream is an error", func(t *testing.T) {
		fake.Reply(func(api.ChatRequest) ollamatest.Turn { return ollamatest.Fail("model runner crashed") })
		_, err := c.Chat(ctx, llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: "hi"}}})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "model runner crashed")
	})

	t.Run("unknown model is a 404 status error", func(t *testing.T) {
		other, err := llm.NewOllama(fake.URL, "llama3.2:1b", nil)
		require.NoError(t, err)
		_, err = other.Chat(ctx, llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: "hi"}}})
		var se api.StatusError
		require.True(t, errors.As(err, &se), "%v", err)
		assert.Equal(t, http.StatusNotFound, se.StatusCode)
		assert.Contains(t, se.ErrorMessage, "not found")
	})

	t.Run("a model too slow ends with the caller's deadline", func(t *testing.T) {
		fake.Reply(func(api.ChatRequest) ollamatest.Turn { return ollamatest.Turn{Hang: true} })
		ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		_, err := c.Chat(ctx, llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: "hi"}}})
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})

	t.Run("nothing listening", func(t *testing.T) {
		gone, err := llm.NewOllama("http://127.0.0.1:1", "qwen2.5:1.5b", nil)
		require.NoError(t, err)
		_, err = gone.Chat(ctx, llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: "hi"}}})
		assert.Error(t, err)
	})
}

func TestNewOllamaChecksItsSettings(t *testing.T) {
	for _, u := range []string{"", "localhost:11434", "ftp://x", "http://"} {
		_, err := llm.NewOllama(u, "m", nil)
		assert.Error(t, err, u)
	}
	_, err := llm.NewOllama("http://127.0.0.1:11434", " ", nil)
	assert.Error(t, err)
}

func TestIntArg(t *testing.T) {
	cases := []struct {
		v  any
		n  int64
		ok bool
	}{{float64(7), 7, true}, {"7", 7, true}, {7.5, 0, false}, {"7; drop", 0, false}, {nil, 0, false}, {"-3", -3, true}, {[]any{1}, 0, false}}
	for _, tc := range cases {
		n, ok := llm.IntArg(llm.ToolCall{Args: map[string]any{"student_id": tc.v}}, "student_id")
		assert.Equal(t, tc.ok, ok, "%v", tc.v)
		assert.Equal(t, tc.n, n, "%v", tc.v)
	}
}
