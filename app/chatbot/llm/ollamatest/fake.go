// Package ollamatest is a loopback fake of Ollama's chat API, speaking the documented
// shapes: POST /api/chat answers with newline-delimited compact JSON objects (even when
// the request says "stream": false), tool calls in the final line, an error as an
// {"error":...} line in a 200 stream or with a status >= 400, and 404 for an unknown
// model. A test scripts the model's side with Reply.
package ollamatest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
)

// Line is one line the fake writes: a response chunk, or an error line.
type Line struct {
	Resp  api.ChatResponse
	Error string
}

// Turn is the model's answer to one request: an HTTP status (0 for 200) and lines.
// Hang makes the fake hold the request until the client gives up (a model too slow).
type Turn struct {
	Status int
	Lines  []Line
	Hang   bool
}

// Server is the fake Ollama server.
type Server struct {
	*httptest.Server
	Model string

	mu       sync.Mutex
	reply    func(req api.ChatRequest) Turn
	requests []api.ChatRequest
}

// New starts a fake serving model, closed when the test ends. Until Reply is set it
// answers every chat with "ok".
func New(t testing.TB, model string) *Server {
	s := &Server{Model: model, reply: func(api.ChatRequest) Turn { return Say("ok") }}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Server.Close)
	return s
}

// Reply sets how the model answers.
func (s *Server) Reply(fn func(req api.ChatRequest) Turn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reply = fn
}

// Requests returns the chat requests received so far.
func (s *Server) Requests() []api.ChatRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]api.ChatRequest(nil), s.requests...)
}

// Say is a turn answering text, streamed word by word as Ollama does.
func Say(text string) Turn {
	var lines []Line
	start := 0
	for i := 0; i <= len(text); i++ {
		if i == len(text) || text[i] == ' ' {
			end := i
			if i < len(text) {
				end = i + 1
			}
			if end > start {
				lines = append(lines, Line{Resp: chunk(text[start:end], false)})
			}
			start = end
		}
	}
	lines = append(lines, Line{Resp: chunk("", true)})
	return Turn{Lines: lines}
}

// Call is a turn asking for tool calls: name, then its arguments.
func Call(calls ...api.ToolCall) Turn {
	r := chunk("", true)
	r.Message.ToolCalls = calls
	return Turn{Lines: []Line{{Resp: r}}}
}

// ToolCall builds a call of name with the arguments given as key, value pairs.
func ToolCall(name string, kv ...any) api.ToolCall {
	args := api.NewToolCallFunctionArguments()
	for i := 0; i+1 < len(kv); i += 2 {
		args.Set(kv[i].(string), kv[i+1])
	}
	return api.ToolCall{Function: api.ToolCallFunction{Name: name, Arguments: args}}
}

// Fail is a turn whose stream carries an error line after a first chunk.
func Fail(msg string) Turn {
	return Turn{Lines: []Line{{Resp: chunk("Let me", false)}, {Error: msg}}}
}

func chunk(content string, done bool) api.ChatResponse {
	r := api.ChatResponse{Model: "", CreatedAt: time.Now().UTC(), Message: api.Message{Role: "assistant", Content: content}, Done: done}
	if done {
		r.DoneReason = "stop"
	}
	return r
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/chat" {
		http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
		return
	}
	var req api.ChatRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": "invalid request: " + err.Error()})
		return
	}
	if req.Model != s.Model {
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(map[string]string{"error": "model '" + req.Model + "' not found"})
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	reply := s.reply
	s.mu.Unlock()
	turn := reply(req)
	if turn.Hang {
		<-r.Context().Done()
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	if turn.Status != 0 {
		w.WriteHeader(turn.Status)
	}
	enc := json.NewEncoder(w) // one compact object per line, as Ollama writes
	for _, l := range turn.Lines {
		if l.Error != "" {
			enc.Encode(map[string]string{"error": l.Error})
			continue
		}
		l.Resp.Model = req.Model
		enc.Encode(l.Resp)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
}
