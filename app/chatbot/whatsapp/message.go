package whatsapp

import "unicode/utf8"

// Message is what the bot sends to one phone, in the Graph API's shape (without the
// recipient, which Send adds). Exactly one of the kinds is set, named by Type.
type Message struct {
	Type        string       `json:"type"`
	Text        *Text        `json:"text,omitempty"`
	Interactive *Interactive `json:"interactive,omitempty"`
	Document    *Document    `json:"document,omitempty"`
	Template    *Template    `json:"template,omitempty"`
	// BizOpaqueCallbackData comes back in the message's status webhooks; the bot puts
	// its own key for the message there.
	BizOpaqueCallbackData string `json:"biz_opaque_callback_data,omitempty"`
}

// Text is a plain text message.
type Text struct {
	Body       string `json:"body"`
	PreviewURL bool   `json:"preview_url,omitempty"`
}

// Interactive is a list or reply-button message.
type Interactive struct {
	Type   string           `json:"type"` // list, button
	Header *InteractiveText `json:"header,omitempty"`
	Body   InteractiveText  `json:"body"`
	Footer *InteractiveText `json:"footer,omitempty"`
	Action Action           `json:"action"`
}

// InteractiveText is a header, body or footer. A header also has a type.
type InteractiveText struct {
	Type string `json:"type,omitempty"`
	Text string `json:"text"`
}

// Action is what a phone can pick: list sections behind a button, or reply buttons.
type Action struct {
	Button   string    `json:"button,omitempty"`
	Sections []Section `json:"sections,omitempty"`
	Buttons  []Button  `json:"buttons,omitempty"`
}

// Section is a titled group of list rows.
type Section struct {
	Title string `json:"title,omitempty"`
	Rows  []Row  `json:"rows"`
}

// Row is one pickable line of a list.
type Row struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// Button is a reply button.
type Button struct {
	Type  string      `json:"type"` // reply
	Reply ButtonReply `json:"reply"`
}

// ButtonReply is a reply button's id and label.
type ButtonReply struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Document is a file, sent by the id an upload returned (or by link).
type Document struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Filename string `json:"filename,omitempty"`
	Caption  string `json:"caption,omitempty"`
}

// Template is an approved message template, the only kind WhatsApp delivers more than
// 24 hours after the phone last wrote.
type Template struct {
	Name       string      `json:"name"`
	Language   Language    `json:"language"`
	Components []Component `json:"components,omitempty"`
}

// Language is a template's language code ("en", "sw", "en_US").
type Language struct {
	Code string `json:"code"`
}

// Component fills a part of a template (its body) with parameters.
type Component struct {
	Type       string      `json:"type"`
	Parameters []Parameter `json:"parameters"`
}

// Parameter is one value a template's placeholder takes.
type Parameter struct {
	Type string `json:"type"` // text
	Text string `json:"text"`
}

// The Cloud API's limits on what a message may hold, in characters.
const (
	MaxTextBody        = 4096
	MaxInteractiveBody = 1024
	MaxButtonLabel     = 20
	MaxRowTitle        = 24
	MaxRowDescription  = 72
	MaxSectionTitle    = 24
	MaxListRows        = 10
	MaxReplyButtons    = 3
	MaxCaption         = 1024
	MaxTemplateParam   = 1024
)

// Clip shortens s to at most n characters, ending in "…" when it had to cut.
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// TextMessage is a text message, clipped to what WhatsApp takes.
func TextMessage(body string) Message {
	return Message{Type: "text", Text: &Text{Body: Clip(body, MaxTextBody)}}
}

// ListMessage is an interactive list: body text, the button that opens the list, and
// its sections. Labels are clipped and rows beyond WhatsApp's ten are dropped.
func ListMessage(body, button string, sections ...Section) Message {
	left := MaxListRows
	var out []Section
	for _, s := range sections {
		s.Title = Clip(s.Title, MaxSectionTitle)
		var rows []Row
		for _, r := range s.Rows {
			if left == 0 {
				break
			}
			left--
			rows = append(rows, Row{ID: r.ID, Title: Clip(r.Title, MaxRowTitle), Description: Clip(r.Description, MaxRowDescription)})
		}
		if len(rows) > 0 {
			s.Rows = rows
			out = append(out, s)
		}
	}
	return Message{Type: "interactive", Interactive: &Interactive{Type: "list",
		Body: InteractiveText{Text: Clip(body, MaxInteractiveBody)}, Action: Action{Button: Clip(button, MaxButtonLabel), Sections: out}}}
}

// ButtonsMessage is a message with up to three reply buttons.
func ButtonsMessage(body string, buttons ...ButtonReply) Message {
	var bs []Button
	for i, b := range buttons {
		if i == MaxReplyButtons {
			break
		}
		bs = append(bs, Button{Type: "reply", Reply: ButtonReply{ID: b.ID, Title: Clip(b.Title, MaxButtonLabel)}})
	}
	return Message{Type: "interactive", Interactive: &Interactive{Type: "button",
		Body: InteractiveText{Text: Clip(body, MaxInteractiveBody)}, Action: Action{Buttons: bs}}}
}

// DocumentMessage sends an uploaded file by its media id.
func DocumentMessage(mediaID, filename, caption string) Message {
	return Message{Type: "document", Document: &Document{ID: mediaID, Filename: filename, Caption: Clip(caption, MaxCaption)}}
}

// TemplateMessage fills the body placeholders of a template, in order.
func TemplateMessage(name, language string, params ...string) Message {
	t := &Template{Name: name, Language: Language{Code: language}}
	if len(params) > 0 {
		c := Component{Type: "body"}
		for _, p := range params {
			c.Parameters = append(c.Parameters, Parameter{Type: "text", Text: Clip(p, MaxTemplateParam)})
		}
		t.Components = []Component{c}
	}
	return Message{Type: "template", Template: t}
}

// Preview is a one-line description of the message, for the staff inbox.
func (m Message) Preview() string {
	switch {
	case m.Text != nil:
		return m.Text.Body
	case m.Interactive != nil:
		return m.Interactive.Body.Text
	case m.Document != nil:
		s := "📄 " + m.Document.Filename
		if m.Document.Caption != "" {
			s += " — " + m.Document.Caption
		}
		return s
	case m.Template != nil:
		s := "[template " + m.Template.Name + "]"
		for _, c := range m.Template.Components {
			for _, p := range c.Parameters {
				s += " " + p.Text
			}
		}
		return s
	}
	return ""
}
