package students

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/web"
)

// The promotions page moves the students of one session into the next: it previews,
// class by class, who is promoted to which class, who repeats and who graduates; the
// office changes single students (action and class) and previews again, then commits.
// It uses the promotion service the API uses (/api/core/promotions/preview/, /commit/).

type promotionData struct {
	SessionOptions []web.Option
	From, To       string // the chosen sessions' ids, "" when not chosen
	Plan           *PromotionPlan
	Groups         []promotionGroup
	ClassOptions   []web.OptionGroup // the classes of the target session
	Actions        []web.Option
	Problems       []string
	Done           bool
}

// promotionGroup is the students of one class of the session they leave.
type promotionGroup struct {
	Class string
	Rows  []promotionRowView
}

type promotionRowView struct {
	PromotionRow
	ID      string // the student's id, as the form's field names carry it
	ToValue string // the class chosen, as a select value
}

var promotionActions = []web.Option{{Value: ActionPromote, Label: "Promote"}, {Value: ActionRepeat, Label: "Repeat the year"},
	{Value: ActionGraduate, Label: "Graduate"}}

// promotionForm shows the choice of sessions and, once both are chosen, the preview.
func (h pages) promotionForm(c *fiber.Ctx) error {
	v := h.View(c, "Promotions", "academics")
	from, to := web.QueryID(c, "from"), web.QueryID(c, "to")
	if c.Query("done") == "promoted" {
		v.Flash = "The promotion was applied. The students are in their new classes."
	}
	return h.promotionPage(c, fiber.StatusOK, v, from, to, nil)
}

// promotionPage renders the page; with two sessions it previews their promotion with
// the overrides given.
func (h pages) promotionPage(c *fiber.Ctx, status int, v *web.View, from, to int64, overrides []PromotionOverride) error {
	ctx := c.UserContext()
	sessions, err := web.All(c, academics.New(web.Tenant(c)).ListSessions, academics.SessionFilter{})
	if err != nil {
		return err
	}
	d := promotionData{Actions: promotionActions}
	// Default: from the current session to the one that starts next.
	for i := len(sessions) - 1; i >= 0; i-- { // newest first: walk oldest first
		s := sessions[i]
		label := s.Name
		if s.IsCurrent {
			label += " (current)"
			if from == 0 && to == 0 && c.Query("from") == "" {
				from = s.ID
			}
		}
		d.SessionOptions = append(d.SessionOptions, web.Option{Value: web.ID(s.ID), Label: label})
	}
	if to == 0 && from != 0 && c.Query("to") == "" {
		start, next := startOf(sessions, from), ""
		for _, s := range sessions {
			if s.StartDate > start && (next == "" || s.StartDate < next) {
				to, next = s.ID, s.StartDate
			}
		}
	}
	if from != 0 {
		d.From = web.ID(from)
	}
	if to != 0 {
		d.To = web.ID(to)
	}
	if from != 0 && to != 0 {
		svc := New(web.Tenant(c))
		plan, err := svc.PreviewPromotion(ctx, PromotionInput{FromSession: from, ToSession: to, Overrides: overrides})
		if err != nil {
			e := errs.As(err)
			if e.Code == errs.Internal {
				return err
			}
			v.Error = web.Sentence(e.Message)
			for _, msg := range e.Fields {
				v.Error = web.Sentence(msg)
			}
			if status == fiber.StatusOK {
				status = web.StatusFor(e)
			}
		} else {
			d.Plan = &plan
			_, opts, err := academics.ClassOptions(c, to)
			if err != nil {
				return err
			}
			d.ClassOptions = web.Grouped(opts)
			for _, r := range plan.Students {
				rv := promotionRowView{PromotionRow: r, ID: web.ID(r.Student.ID)}
				if r.ToClass != nil {
					rv.ToValue = web.ID(r.ToClass.ID)
				}
				if n := len(d.Groups); n == 0 || d.Groups[n-1].Class != r.FromClass.Name {
					d.Groups = append(d.Groups, promotionGroup{Class: r.FromClass.Name})
				}
				g := &d.Groups[len(d.Groups)-1]
				g.Rows = append(g.Rows, rv)
			}
			for _, k := range []string{"to_session", "class"} {
				if p := plan.Problems[k]; p != "" {
					d.Problems = append(d.Problems, web.Sentence(p))
				}
			}
		}
	}
	v.Data = d
	return h.Render(c, status, "promotions", v)
}

func startOf(sessions []academics.Session, id int64) string {
	for _, s := range sessions {
		if s.ID == id {
			return s.StartDate
		}
	}
	return ""
}

// promotionOverrides reads the students' choices of the preview form and keeps those
// that differ from what the promotion proposes on its own.
func (h pages) promotionOverrides(c *fiber.Ctx, from, to int64) ([]PromotionOverride, error) {
	proposal, err := New(web.Tenant(c)).PreviewPromotion(c.UserContext(), PromotionInput{FromSession: from, ToSession: to})
	if err != nil {
		return nil, err
	}
	var out []PromotionOverride
	for _, r := range proposal.Students {
		if r.Action == ActionSkip {
			continue
		}
		id := web.ID(r.Student.ID)
		action := c.FormValue("action_" + id)
		class, _ := strconv.ParseInt(c.FormValue("class_"+id), 10, 64)
		if action == "" {
			continue
		}
		proposed := int64(0)
		if r.ToClass != nil {
			proposed = r.ToClass.ID
		}
		if action == ActionGraduate {
			class = 0
		}
		if action == r.Action && class == proposed {
			continue
		}
		out = append(out, PromotionOverride{Student: r.Student.ID, Action: action, Class: class})
	}
	return out, nil
}

// promotionRun previews again with the choices made (action=preview) or commits them.
func (h pages) promotionRun(c *fiber.Ctx) error {
	v := h.View(c, "Promotions", "academics")
	from, _ := strconv.ParseInt(c.FormValue("from"), 10, 64)
	to, _ := strconv.ParseInt(c.FormValue("to"), 10, 64)
	if from <= 0 || to <= 0 {
		v.Error = "Choose the session the students leave and the one they go to."
		return h.promotionPage(c, fiber.StatusBadRequest, v, from, to, nil)
	}
	overrides, err := h.promotionOverrides(c, from, to)
	if err != nil {
		e := errs.As(err)
		if e.Code == errs.Internal {
			return err
		}
		v.Error = web.Sentence(e.Message)
		return h.promotionPage(c, web.StatusFor(e), v, from, to, nil)
	}
	if c.FormValue("action") != "commit" {
		return h.promotionPage(c, fiber.StatusOK, v, from, to, overrides)
	}
	_, err = New(web.Tenant(c)).CommitPromotion(c.UserContext(), PromotionInput{FromSession: from, ToSession: to,
		Overrides: overrides}, auth.MetaFrom(c))
	if err != nil {
		e := errs.As(err)
		if e.Code == errs.Internal {
			return err
		}
		v.Error = web.Sentence(e.Message) + "."
		return h.promotionPage(c, web.StatusFor(e), v, from, to, overrides)
	}
	q := url.Values{"from": {web.ID(from)}, "to": {web.ID(to)}, "done": {"promoted"}}
	return web.Redirect(c, fmt.Sprintf("%s/promotions?%s", v.Prefix, q.Encode()))
}
