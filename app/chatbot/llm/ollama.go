package llm

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/ollama/ollama/api"
)

// Ollama is a Chatter backed by an Ollama server's /api/chat.
type Ollama struct {
	client *api.Client
	model  string
}

// NewOllama returns a Chatter for model on the Ollama server at baseURL
// (e.g. http://127.0.0.1:11434). hc bounds each call; nil uses http.DefaultClient and
// leaves the bound to the caller's context.
func NewOllama(baseURL, model string, hc *http.Client) (*Ollama, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("ollama url %q is not an http(s) address such as http://127.0.0.1:11434", baseURL)
	}
	if strings.TrimSpace(model) == "" {
		return nil, fmt.Errorf("an ollama model name is needed (e.g. qwen2.5:1.5b)")
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Ollama{client: api.NewClient(u, hc), model: model}, nil
}

// Chat sends the chat without streaming; the client still reads a stream of lines,
// which are joined here into one message.
func (o *Ollama) Chat(ctx context.Context, req Request) (Message, error) {
	stream := false
	r := &api.ChatRequest{Model: o.model, Stream: &stream, Options: map[string]any{"temperature": 0}}
	for _, m := range req.Messages {
		am := api.Message{Role: m.Role, Content: m.Content, ToolName: m.ToolName}
		for _, c := range m.ToolCalls {
			args := api.NewToolCallFunctionArguments()
			for k, v := range c.Args {
				args.Set(k, v)
			}
			am.ToolCalls = append(am.ToolCalls, api.ToolCall{Function: api.ToolCallFunction{Name: c.Name, Arguments: args}})
		}
		r.Messages = append(r.Messages, am)
	}
	for _, t := range req.Tools {
		props := api.NewToolPropertiesMap()
		var required []string
		for _, p := range t.Params {
			props.Set(p.Name, api.ToolProperty{Type: api.PropertyType{p.Type}, Description: p.Description})
			if p.Required {
				required = append(required, p.Name)
			}
		}
		r.Tools = append(r.Tools, api.Tool{Type: "function", Function: api.ToolFunction{Name: t.Name, Description: t.Description,
			Parameters: api.ToolFunctionParameters{Type: "object", Properties: props, Required: required}}})
	}

	var out Message
	var content strings.Builder
	err := o.client.Chat(ctx, r, func(resp api.ChatResponse) error {
		content.WriteString(resp.Message.Content)
		for _, c := range resp.Message.ToolCalls {
			out.ToolCalls = append(out.ToolCalls, ToolCall{Name: c.Function.Name, Args: c.Function.Arguments.ToMap()})
		}
		return nil
	})
	if err != nil {
		return Message{}, fmt.Errorf("ollama chat: %w", err)
	}
	out.Role = RoleAssistant
	out.Content = content.String()
	return out, nil
}
