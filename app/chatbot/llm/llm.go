// Package llm is the bot's narrow view of a language model: a chat call that may ask
// for tools, and the loop that answers those tool calls until the model has something
// to say. The one implementation talks to a local Ollama server through its Go client,
// kept behind the Chatter interface because that client promises no compatibility.
package llm

import (
	"context"
	"errors"
	"fmt"
)

// Roles of chat messages.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleTool      = "tool"
)

// Message is one turn of a chat.
type Message struct {
	Role      string
	Content   string
	ToolName  string     // for RoleTool: which tool answered
	ToolCalls []ToolCall // for RoleAssistant: what the model asks to run
}

// ToolCall is the model asking to run a tool with arguments.
type ToolCall struct {
	Name string
	Args map[string]any
}

// Tool is a function the model may call; its parameters are named and typed
// (JSON-schema types: "integer", "string").
type Tool struct {
	Name        string
	Description string
	Params      []Param
}

// Param is one parameter of a tool.
type Param struct {
	Name        string
	Type        string
	Description string
	Required    bool
}

// Request is a chat: the messages so far and the tools on offer.
type Request struct {
	Messages []Message
	Tools    []Tool
}

// Chatter answers a chat with the model's next message.
type Chatter interface {
	Chat(ctx context.Context, req Request) (Message, error)
}

// ToolFunc runs one tool call and returns what the model is told. It decides, not the
// model, what the call may see: it answers a refusal as text rather than an error.
type ToolFunc func(ctx context.Context, call ToolCall) (string, error)

// ErrNoAnswer means the model kept calling tools and never answered.
var ErrNoAnswer = errors.New("the model did not answer within its rounds of tool calls")

// Answer runs the chat until the model answers without calling tools, at most rounds
// model calls. Each tool call is answered through run, in the order the model made them.
func Answer(ctx context.Context, c Chatter, req Request, run ToolFunc, rounds int) (string, error) {
	msgs := append([]Message(nil), req.Messages...)
	for i := 0; i < rounds; i++ {
		m, err := c.Chat(ctx, Request{Messages: msgs, Tools: req.Tools})
		if err != nil {
			return "", err
		}
		if len(m.ToolCalls) == 0 {
			return m.Content, nil
		}
		msgs = append(msgs, Message{Role: RoleAssistant, Content: m.Content, ToolCalls: m.ToolCalls})
		for _, call := range m.ToolCalls {
			out, err := run(ctx, call)
			if err != nil {
				return "", fmt.Errorf("tool %s: %w", call.Name, err)
			}
			msgs = append(msgs, Message{Role: RoleTool, ToolName: call.Name, Content: out})
		}
	}
	return "", ErrNoAnswer
}

// IntArg reads an integer argument of a tool call. Models write numbers as JSON
// numbers or, sometimes, as strings of digits; anything else is not an integer.
func IntArg(call ToolCall, name string) (int64, bool) {
	switch v := call.Args[name].(type) {
	case float64:
		if v == float64(int64(v)) {
			return int64(v), true
		}
	case int:
		return int64(v), true
	case int64:
		return v, true
	case string:
		var n int64
		if _, err := fmt.Sscan(v, &n); err == nil && fmt.Sprint(n) == v {
			return n, true
		}
	}
	return 0, false
}
