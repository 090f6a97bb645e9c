package chatbot

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/schoolsms/sms/app/chatbot/whatsapp"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Conversation states.
const (
	stateStart     = "start"      // nothing asked yet (or the number is not known)
	statePickChild = "pick_child" // waiting for the guardian to pick a child
	stateMenu      = "menu"       // the menu was shown; a choice or a question comes next
	stateStaff     = "staff"      // handed to the school's staff: the bot keeps quiet
)

// What a guardian can ask for, by menu row id, number or word.
const (
	cmdMenu       = "menu"
	cmdAttendance = "att"
	cmdResults    = "results"
	cmdTerms      = "terms"
	cmdNotices    = "notices"
	cmdStaff      = "staff"
	cmdSwitch     = "switch"
	cmdStop       = "stop"
	cmdStart      = "start"
)

// keywords are the words (English and Swahili) that work like a menu choice.
var keywords = map[string]string{
	"menu": cmdMenu, "hi": cmdMenu, "hello": cmdMenu, "hey": cmdMenu, "habari": cmdMenu, "jambo": cmdMenu,
	"help": cmdMenu, "msaada": cmdMenu, "0": cmdMenu, "back": cmdMenu, "rudi": cmdMenu,
	"att": cmdAttendance, "attendance": cmdAttendance, "mahudhurio": cmdAttendance, "absence": cmdAttendance,
	"results": cmdResults, "result": cmdResults, "matokeo": cmdResults, "grades": cmdResults, "marks": cmdResults,
	"report": cmdResults, "report card": cmdResults,
	"terms": cmdTerms, "term": cmdTerms, "term dates": cmdTerms, "dates": cmdTerms, "calendar": cmdTerms, "muhula": cmdTerms,
	"notices": cmdNotices, "notice": cmdNotices, "news": cmdNotices, "matangazo": cmdNotices, "tangazo": cmdNotices,
	"staff": cmdStaff, "talk": cmdStaff, "talk to the school": cmdStaff, "office": cmdStaff, "ongea": cmdStaff,
	"switch": cmdSwitch, "child": cmdSwitch, "children": cmdSwitch, "switch child": cmdSwitch, "change child": cmdSwitch,
	"mtoto": cmdSwitch,
	"stop":  cmdStop, "unsubscribe": cmdStop, "acha": cmdStop,
	"start": cmdStart, "subscribe": cmdStart, "anza": cmdStart,
}

// menuOrder is what the menu's numbers mean.
var menuOrder = []string{cmdAttendance, cmdResults, cmdTerms, cmdNotices, cmdStaff, cmdSwitch}

// outMsg is one message of a reply; a document carries its file.
type outMsg struct {
	msg   whatsapp.Message
	media *media
}

type media struct {
	filename, mime string
	data           []byte
}

func text(s string) outMsg { return outMsg{msg: whatsapp.TextMessage(s)} }

// convState is what a reply changes in a conversation.
type convState struct {
	guardianID sql.NullInt64
	studentID  sql.NullInt64
	state      string
	optedOut   bool
	needsStaff bool
}

type child struct {
	id        int64
	first     string
	last      string
	className string
}

func (c child) name() string { return strings.TrimSpace(c.first + " " + c.last) }

type guardian struct {
	id    int64
	name  string
	phone string
}

// normalize reads what a guardian typed as a command candidate: lower case, spaces
// collapsed, surrounding punctuation and WhatsApp's *bold* markers gone.
func normalize(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) || r == '*' })
}

// converse decides the reply to one message and the conversation's next state. It only
// reads (the caller writes the result in one transaction), so it can take its time
// asking the language model.
func (m *Bot) converse(ctx context.Context, t *db.Tenant, conv tenantdb.ChatbotConversation,
	in tenantdb.ChatbotInbound, st tenantdb.ChatbotSetting) ([]outMsg, convState, error) {
	o := m.opts()
	now := m.now()
	s := convState{guardianID: conv.GuardianID, studentID: conv.StudentID, state: conv.State,
		optedOut: conv.OptedOut, needsStaff: conv.NeedsStaff}
	q := t.Read()
	profile, err := q.GetSchoolProfile(ctx)
	if err != nil {
		return nil, s, fmt.Errorf("school profile: %w", err)
	}
	school := profile.Name

	if last, ok := parseStamp(conv.LastActivityAt.String); ok && now.Sub(last) > o.IdleReset && s.state != stateStart {
		s.state = stateMenu
	}
	readable := in.Kind == "text" || in.Kind == "interactive" || in.Kind == "button"
	if !readable {
		if s.state == stateStaff {
			return nil, s, nil
		}
		return []outMsg{text("Sorry, I can only read text messages. Type *menu* to see what I can help with.")}, s, nil
	}
	if sent, ok := parseStamp(in.SentAt); ok && now.Sub(sent) > 24*time.Hour {
		// WhatsApp delivers only templates this long after the phone wrote; the bot's
		// answer to an old question would be out of date anyway.
		if st.ReplyTemplate == "" || s.state == stateStaff {
			return nil, s, nil
		}
		return []outMsg{{msg: whatsapp.TemplateMessage(st.ReplyTemplate, st.TemplateLanguage, school)}}, s, nil
	}

	typed := normalize(in.Body)
	cmd := keywords[typed]
	switch cmd {
	case cmdStop:
		s.optedOut = true
		return []outMsg{text("You will no longer get absence alerts or school notices here. Send *start* to get them again. The menu still works: type *menu*.")}, s, nil
	case cmdStart:
		s.optedOut = false
		return []outMsg{text("You will get absence alerts and school notices here again. Send *stop* to turn them off.")}, s, nil
	}

	guardians, err := m.guardiansByPhone(ctx, t, in.Phone, profile.CountryCode)
	if err != nil {
		return nil, s, err
	}
	if len(guardians) == 0 {
		s.guardianID, s.studentID = sql.NullInt64{}, sql.NullInt64{}
		return m.toStaff(s, "Hello! This WhatsApp number is not registered with "+school+
			". We have passed your message to the school office, and someone will reply here.")
	}
	s.guardianID = sql.NullInt64{Int64: guardians[0].id, Valid: true}
	kids, err := m.children(ctx, t, guardians)
	if err != nil {
		return nil, s, err
	}
	greeting := firstName(guardians[0].name)
	if len(kids) == 0 {
		s.studentID = sql.NullInt64{}
		return m.toStaff(s, "Hello "+greeting+". We could not find a current student of "+school+
			" linked to your number. We have passed your message to the school office, and someone will reply here.")
	}

	if s.state == stateStaff {
		if cmd != cmdMenu {
			return nil, s, nil
		}
		s.state = stateMenu
	}
	current, ok := find(kids, s.studentID)
	if !ok {
		if len(kids) == 1 {
			current, ok = kids[0], true
			s.studentID = sql.NullInt64{Int64: current.id, Valid: true}
		} else {
			s.studentID = sql.NullInt64{}
			if s.state != statePickChild {
				s.state = statePickChild
				return []outMsg{pickList(greeting, kids, "")}, s, nil
			}
		}
	}
	if s.state == statePickChild {
		if k, picked := pick(kids, in.Body, typed); picked {
			s.studentID = sql.NullInt64{Int64: k.id, Valid: true}
			s.state = stateMenu
			return []outMsg{menuList(greeting, k, len(kids) > 1, "")}, s, nil
		}
		if !ok || cmd == cmdSwitch || cmd == "" {
			return []outMsg{pickList(greeting, kids, "Please pick one of your children from the list.")}, s, nil
		}
		s.state = stateMenu // a menu choice while a child is still chosen: go on with it
	}
	if cmd == "" {
		if n, err := strconv.Atoi(typed); err == nil && n >= 1 && n <= len(menuOrder) {
			cmd = menuOrder[n-1]
		}
	}
	s.state = stateMenu
	switch cmd {
	case cmdMenu:
		return []outMsg{menuList(greeting, current, len(kids) > 1, "")}, s, nil
	case cmdSwitch:
		if len(kids) < 2 {
			return []outMsg{menuList(greeting, current, false, current.first+" is the only child linked to your number.")}, s, nil
		}
		s.state = statePickChild
		return []outMsg{pickList(greeting, kids, "")}, s, nil
	case cmdStaff:
		s.state, s.needsStaff = stateStaff, true
		return []outMsg{text("I have asked the school to reply to you. A member of staff will answer here during school hours. " +
			"Type *menu* to go back to the menu.")}, s, nil
	case cmdAttendance, cmdResults, cmdTerms, cmdNotices:
		out, err := m.lookup(ctx, t, cmd, current)
		return out, s, err
	}
	if m.LLM != nil {
		answer, err := m.ask(ctx, t, school, guardians[0], kids, current, in.Body)
		if err == nil && answer != "" {
			return []outMsg{text(answer + "\n\nType *menu* for the menu.")}, s, nil
		}
		m.Log.Info("chatbot: the language model gave no answer; the menu instead", logAttrs(t, in), errAttr(err))
		return []outMsg{menuList(greeting, current, len(kids) > 1, "Sorry, I could not answer that just now.")}, s, nil
	}
	return []outMsg{menuList(greeting, current, len(kids) > 1, "Sorry, I did not understand that.")}, s, nil
}

// toStaff hands the conversation to staff, telling the phone so once (not again for
// every message while staff have it).
func (m *Bot) toStaff(s convState, say string) ([]outMsg, convState, error) {
	was := s.state
	s.state, s.needsStaff = stateStaff, true
	if was == stateStaff {
		return nil, s, nil
	}
	return []outMsg{text(say)}, s, nil
}

func find(kids []child, id sql.NullInt64) (child, bool) {
	if !id.Valid {
		return child{}, false
	}
	for _, k := range kids {
		if k.id == id.Int64 {
			return k, true
		}
	}
	return child{}, false
}

// pick reads a child choice: a list row id (child:<id>), the number in the list, or a
// first name that only one child has.
func pick(kids []child, raw, typed string) (child, bool) {
	if id, ok := strings.CutPrefix(raw, "child:"); ok {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			return find(kids, sql.NullInt64{Int64: n, Valid: true})
		}
		return child{}, false
	}
	if n, err := strconv.Atoi(typed); err == nil && n >= 1 && n <= len(kids) {
		return kids[n-1], true
	}
	var found []child
	for _, k := range kids {
		if typed != "" && (strings.EqualFold(k.first, typed) || strings.EqualFold(k.name(), typed)) {
			found = append(found, k)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return child{}, false
}

func firstName(full string) string {
	f := strings.Fields(full)
	if len(f) == 0 {
		return "there"
	}
	return f[0]
}

// menuList is the main menu for a child, as a WhatsApp list.
func menuList(greeting string, k child, several bool, lead string) outMsg {
	body := "Hello " + greeting + "! What would you like to know about " + k.first + "?"
	if lead != "" {
		body = lead + " " + body
	}
	last := "5"
	if several {
		last = "6"
	}
	body += "\nYou can also type a number (1–" + last + ") or a word such as *results*. Send *stop* to turn off alerts."
	rows := []whatsapp.Row{
		{ID: cmdAttendance, Title: "Attendance this term", Description: "Days present and absent"},
		{ID: cmdResults, Title: "Latest results", Description: "Summary and report card"},
		{ID: cmdTerms, Title: "Term dates", Description: "This year's terms and holidays"},
		{ID: cmdNotices, Title: "Notices", Description: "Current school notices"},
		{ID: cmdStaff, Title: "Talk to the school", Description: "A member of staff replies here"},
	}
	if several {
		rows = append(rows, whatsapp.Row{ID: cmdSwitch, Title: "Switch child", Description: "Ask about another of your children"})
	}
	return outMsg{msg: whatsapp.ListMessage(body, "Menu", whatsapp.Section{Title: k.first, Rows: rows})}
}

// pickList asks which child the guardian means.
func pickList(greeting string, kids []child, lead string) outMsg {
	body := "Hello " + greeting + "! Which of your children would you like to ask about?"
	if lead != "" {
		body = lead
	}
	var rows []whatsapp.Row
	for i, k := range kids {
		desc := k.className
		if desc == "" {
			desc = "Reply " + strconv.Itoa(i+1)
		}
		rows = append(rows, whatsapp.Row{ID: "child:" + strconv.FormatInt(k.id, 10), Title: k.name(), Description: desc})
	}
	return outMsg{msg: whatsapp.ListMessage(body, "Children", whatsapp.Section{Title: "Your children", Rows: rows})}
}

// lookup answers a menu choice about child k.
func (m *Bot) lookup(ctx context.Context, t *db.Tenant, cmd string, k child) ([]outMsg, error) {
	const more = "\n\nType *menu* for the menu."
	switch cmd {
	case cmdAttendance:
		s, err := m.Attendance.TermAttendance(ctx, t, k.id)
		if errors.Is(err, ErrNotAvailable) {
			return []outMsg{text("Attendance records for " + k.first + " are not available on WhatsApp yet. Please ask the school office." + more)}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("attendance: %w", err)
		}
		return []outMsg{text("*Attendance this term — " + k.name() + "*\n" + s + more)}, nil
	case cmdResults:
		r, err := m.Results.LatestResults(ctx, t, k.id)
		if errors.Is(err, ErrNotAvailable) {
			return []outMsg{text("There are no published results for " + k.first + " on WhatsApp yet. The school will share them when they are ready." + more)}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("results: %w", err)
		}
		out := []outMsg{text("*Latest results — " + k.name() + "*\n" + r.Summary + more)}
		if len(r.PDF) > 0 {
			name := r.FileName
			if name == "" {
				name = "report-card.pdf"
			}
			out = append(out, outMsg{msg: whatsapp.DocumentMessage("", name, "Report card — "+k.name()),
				media: &media{filename: name, mime: "application/pdf", data: r.PDF}})
		}
		return out, nil
	case cmdTerms:
		s, err := termDates(ctx, t)
		if err != nil {
			return nil, err
		}
		return []outMsg{text(s + more)}, nil
	case cmdNotices:
		ns, err := m.Notices.CurrentNotices(ctx, t, k.id)
		if errors.Is(err, ErrNotAvailable) {
			return []outMsg{text("School notices are not available on WhatsApp yet. Please check with the school office." + more)}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("notices: %w", err)
		}
		return []outMsg{text(noticesText(ns) + more)}, nil
	}
	return nil, fmt.Errorf("unknown lookup %q", cmd)
}

func noticesText(ns []Notice) string {
	if len(ns) == 0 {
		return "There are no current notices."
	}
	var b strings.Builder
	b.WriteString("*Current notices*")
	for i, n := range ns {
		if i == 5 {
			fmt.Fprintf(&b, "\n\n…and %d more. Ask the school office for the rest.", len(ns)-5)
			break
		}
		fmt.Fprintf(&b, "\n\n*%s*", n.Title)
		if n.Date != "" {
			fmt.Fprintf(&b, " (%s)", humanDate(n.Date))
		}
		if n.Body != "" {
			b.WriteString("\n" + whatsapp.Clip(n.Body, 600))
		}
	}
	return b.String()
}

// termDates describes the current school year's terms from the academic structure.
func termDates(ctx context.Context, t *db.Tenant) (string, error) {
	terms, err := t.Read().ChatbotCurrentTerms(ctx)
	if err != nil {
		return "", fmt.Errorf("term dates: %w", err)
	}
	if len(terms) == 0 {
		return "The school has not published this year's term dates yet.", nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*Term dates — %s*", terms[0].SessionName)
	next := ""
	for _, tm := range terms {
		fmt.Fprintf(&b, "\n• %s: %s – %s", tm.Name, humanDate(tm.StartDate), humanDate(tm.EndDate))
		if tm.IsCurrent {
			b.WriteString(" (this term)")
			if tm.NextTermBegins.Valid && tm.NextTermBegins.String != "" {
				next = tm.NextTermBegins.String
			}
		}
	}
	if next != "" {
		fmt.Fprintf(&b, "\nNext term begins: %s", humanDate(next))
	}
	return b.String(), nil
}

func humanDate(d string) string {
	t, err := time.Parse("2006-01-02", d)
	if err != nil {
		return d
	}
	return t.Format("Mon 2 Jan 2006")
}

// guardiansByPhone finds the guardians whose phone is this WhatsApp number. Phones are
// stored in E.164; older records written without the country code ("0712 345 678") are
// found too, by reading them with the school's country.
func (m *Bot) guardiansByPhone(ctx context.Context, t *db.Tenant, wa, country string) ([]guardian, error) {
	e164 := "+" + wa
	q := t.Read()
	rows, err := q.GuardiansByPhone(ctx, e164)
	if err != nil {
		return nil, fmt.Errorf("guardians by phone: %w", err)
	}
	var out []guardian
	for _, g := range rows {
		out = append(out, guardian{id: g.ID, name: g.Name, phone: g.Phone})
	}
	if len(out) > 0 || len(wa) < 7 {
		return out, nil
	}
	cands, err := q.ChatbotGuardiansByPhoneEnding(ctx, wa[len(wa)-7:])
	if err != nil {
		return nil, fmt.Errorf("guardians by phone ending: %w", err)
	}
	for _, g := range cands {
		if n, err := students.NormalizePhone(country, g.Phone); err == nil && n == e164 {
			out = append(out, guardian{id: g.ID, name: g.Name, phone: g.Phone})
		}
	}
	return out, nil
}

// children are the active students of the guardians (one parent entered twice for two
// children is still one parent).
func (m *Bot) children(ctx context.Context, t *db.Tenant, gs []guardian) ([]child, error) {
	ids := make([]int64, 0, len(gs))
	for _, g := range gs {
		ids = append(ids, g.id)
	}
	rows, err := t.Read().ChatbotChildren(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("children: %w", err)
	}
	var out []child
	seen := map[int64]bool{}
	for _, r := range rows {
		if !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, child{id: r.ID, first: r.FirstName, last: r.LastName, className: r.ClassName})
		}
	}
	return out, nil
}

// digitsOf turns a stored phone into WhatsApp's form (digits with the country code),
// "" if it cannot be read as a number.
func digitsOf(country, phone string) string {
	n, err := students.NormalizePhone(country, phone)
	if err != nil || n == "" {
		return ""
	}
	return strings.TrimPrefix(n, "+")
}
