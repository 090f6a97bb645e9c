package web

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/errs"
)

// The academic setup is one page with a tab per part of the structure: sessions, terms,
// forms, classes, subjects and who teaches what. Everyone in the school may read it;
// only admins see the forms that change it.

// acadTab is one tab of the academic setup.
type acadTab struct {
	Key, Label, Href string
	Active           bool
}

var acadTabs = []struct{ Key, Label string }{
	{"sessions", "Sessions"},
	{"terms", "Terms"},
	{"forms", "Forms"},
	{"classes", "Classes"},
	{"subjects", "Subjects"},
	{"assignments", "Teaching"},
}

type academicsData struct {
	Tab      string
	Tabs     []acadTab
	CanWrite bool

	Current *academics.Session // the current session, nil before the first
	Session *academics.Session // the session the terms, classes or assignments tab shows
	// SessionValue is Session's id as the session select has it.
	SessionValue string
	Sessions     []academics.Session

	Terms       []academics.Term
	Forms       []academics.Form
	Classes     []academics.Class
	Subjects    []academics.Subject
	Assignments []academics.Assignment

	SessionOptions []option
	FormOptions    []option
	StaffOptions   []option
	ClassOptions   []optionGroup
	SubjectOptions []option
}

// academicsHome shows the first tab.
func (h *handlers) academicsHome(c *fiber.Ctx) error {
	return h.academicsPage(c, fiber.StatusOK, h.newView(c, "Academic setup", "academics"), "sessions")
}

// academicsTab shows one tab: /academics/classes, ...
func (h *handlers) academicsTab(c *fiber.Ctx) error {
	tab := c.Params("tab")
	for _, t := range acadTabs {
		if t.Key == tab {
			return h.academicsPage(c, fiber.StatusOK, h.newView(c, "Academic setup", "academics"), tab)
		}
	}
	return h.fail(c, errs.E(errs.NotFound, "there is no academic setup page %q", tab))
}

// academicsPage renders a tab with what it lists; v may carry a form's errors and values.
func (h *handlers) academicsPage(c *fiber.Ctx, status int, v *view, tab string) error {
	d := academicsData{Tab: tab, CanWrite: auth.Allowed(v.User, auth.WriteAcademics)}
	for _, x := range acadTabs {
		d.Tabs = append(d.Tabs, acadTab{Key: x.Key, Label: x.Label, Href: v.Prefix + "/academics/" + x.Key, Active: x.Key == tab})
		if x.Key == tab {
			v.Title = x.Label + " · Academic setup"
		}
	}
	var err error
	if d.Current, err = currentSession(c); err != nil {
		return err
	}
	// The tabs that belong to one session show the current one unless asked otherwise.
	if tab == "sessions" || tab == "terms" || tab == "classes" || tab == "assignments" {
		if d.Sessions, err = allOf(c, acadOf(c).ListSessions, academics.SessionFilter{}); err != nil {
			return err
		}
		want := queryID(c, "session")
		if want == 0 { // a form sent for a session shows that session again
			want, _ = strconv.ParseInt(v.Form["session"], 10, 64)
		}
		for i := range d.Sessions {
			s := &d.Sessions[i]
			if (want != 0 && s.ID == want) || (want == 0 && s.IsCurrent) {
				d.Session = s
			}
			label := s.Name
			if s.IsCurrent {
				label += " (current)"
			}
			d.SessionOptions = append(d.SessionOptions, option{Value: id64(s.ID), Label: label})
		}
		if d.Session == nil && len(d.Sessions) > 0 && tab != "sessions" {
			d.Session = &d.Sessions[0]
		}
	}
	sessionID := int64(0)
	if d.Session != nil {
		sessionID, d.SessionValue = d.Session.ID, id64(d.Session.ID)
	}
	switch tab {
	case "terms":
		if sessionID != 0 {
			d.Terms, err = allOf(c, acadOf(c).ListTerms, academics.TermFilter{SessionID: sessionID})
		}
	case "forms":
		d.Forms, err = allOf(c, acadOf(c).ListForms, academics.FormFilter{})
	case "classes":
		if sessionID != 0 {
			d.Classes, err = allOf(c, acadOf(c).ListClasses, academics.ClassFilter{SessionID: sessionID})
		}
		if err == nil && d.CanWrite {
			if d.FormOptions, err = formOptions(c); err == nil {
				d.StaffOptions, err = staffOptions(c)
			}
		}
	case "subjects":
		d.Subjects, err = allOf(c, acadOf(c).ListSubjects, academics.SubjectFilter{})
	case "assignments":
		if sessionID != 0 {
			d.Assignments, err = allOf(c, acadOf(c).ListAssignments, academics.AssignmentFilter{SessionID: sessionID})
		}
		if err == nil && d.CanWrite && sessionID != 0 {
			var opts []option
			if _, opts, err = classOptions(c, sessionID); err == nil {
				d.ClassOptions = grouped(opts)
				if d.StaffOptions, err = staffOptions(c); err == nil {
					var subs []academics.Subject
					subs, err = allOf(c, acadOf(c).ListSubjects, academics.SubjectFilter{})
					for _, s := range subs {
						d.SubjectOptions = append(d.SubjectOptions, option{Value: id64(s.ID), Label: s.Name + " (" + s.Code + ")"})
					}
				}
			}
		}
	}
	if err != nil {
		return err
	}
	v.Data = d
	return h.render(c, status, "academics", v)
}

// acadDone is where a successful change of a tab goes: the tab, the session it showed,
// and the message.
func acadDone(prefix string, tab string, sessionID int64, done string) string {
	q := url.Values{"done": {done}}
	if sessionID != 0 {
		q.Set("session", id64(sessionID))
	}
	return prefix + "/academics/" + tab + "?" + q.Encode()
}

// acadFormFailed shows the tab again with a form's errors and values, or hands an
// internal error on.
func (h *handlers) acadFormFailed(c *fiber.Ctx, v *view, tab string, err error) error {
	status, ierr := formError(v, err)
	if ierr != nil {
		return ierr
	}
	return h.academicsPage(c, status, v, tab)
}

// sessionCreate adds a session from the sessions tab.
func (h *handlers) sessionCreate(c *fiber.Ctx) error {
	v := h.newView(c, "Academic setup", "academics")
	v.Form = form(c, "name", "start_date", "end_date")
	v.Form["is_current"] = checked(c, "is_current")
	s, err := acadOf(c).CreateSession(c.UserContext(), academics.SessionInput{Name: v.Form["name"],
		StartDate: v.Form["start_date"], EndDate: v.Form["end_date"], IsCurrent: v.Form["is_current"] == "1"}, auth.MetaFrom(c))
	if err != nil {
		return h.acadFormFailed(c, v, "sessions", err)
	}
	return redirect(c, acadDone(v.Prefix, "sessions", s.ID, "session_created"))
}

// sessionCurrent makes a session the current one.
func (h *handlers) sessionCurrent(c *fiber.Ctx) error {
	id, err := pathID(c, "session")
	if err != nil {
		return h.fail(c, err)
	}
	yes := true
	if _, err := acadOf(c).UpdateSession(c.UserContext(), id, academics.SessionPatch{IsCurrent: &yes}, auth.MetaFrom(c)); err != nil {
		return h.acadActionFailed(c, "sessions", err)
	}
	return redirect(c, acadDone(prefix(c), "sessions", 0, "session_current"))
}

// acadActionFailed shows a tab with the reason a button did nothing; unknown records get
// the not-found page.
func (h *handlers) acadActionFailed(c *fiber.Ctx, tab string, err error) error {
	e := errs.As(err)
	if e.Code == errs.Internal || e.Code == errs.NotFound {
		return h.fail(c, err)
	}
	v := h.newView(c, "Academic setup", "academics")
	v.Error = sentence(e.Message)
	for _, msg := range e.Fields {
		v.Error = sentence(msg)
	}
	return h.academicsPage(c, statusFor(e), v, tab)
}

var termFields = []string{"session", "name", "start_date", "end_date", "next_term_begins"}

// termCreate adds a term to the session the terms tab shows.
func (h *handlers) termCreate(c *fiber.Ctx) error {
	v := h.newView(c, "Academic setup", "academics")
	v.Form = form(c, termFields...)
	v.Form["is_current"] = checked(c, "is_current")
	session, _ := formInt(v, "session")
	tm, err := acadOf(c).CreateTerm(c.UserContext(), academics.TermInput{SessionID: session, Name: v.Form["name"],
		StartDate: v.Form["start_date"], EndDate: v.Form["end_date"], NextTermBegins: v.Form["next_term_begins"],
		IsCurrent: v.Form["is_current"] == "1"}, auth.MetaFrom(c))
	if err != nil {
		return h.acadFormFailed(c, v, "terms", err)
	}
	return redirect(c, acadDone(v.Prefix, "terms", tm.SessionID, "term_created"))
}

// termCurrent makes a term (and its session) current.
func (h *handlers) termCurrent(c *fiber.Ctx) error {
	id, err := pathID(c, "term")
	if err != nil {
		return h.fail(c, err)
	}
	yes := true
	tm, err := acadOf(c).UpdateTerm(c.UserContext(), id, academics.TermPatch{IsCurrent: &yes}, auth.MetaFrom(c))
	if err != nil {
		return h.acadActionFailed(c, "terms", err)
	}
	return redirect(c, acadDone(prefix(c), "terms", tm.SessionID, "term_current"))
}

type termEditData struct{ Term academics.Term }

// termEditForm shows a term's name and dates for changing.
func (h *handlers) termEditForm(c *fiber.Ctx) error {
	id, err := pathID(c, "term")
	if err != nil {
		return h.fail(c, err)
	}
	tm, err := acadOf(c).Term(c.UserContext(), id)
	if err != nil {
		return h.fail(c, err)
	}
	v := h.newView(c, tm.Name, "academics")
	v.Form = map[string]string{"name": tm.Name, "start_date": tm.StartDate, "end_date": tm.EndDate}
	if tm.NextTermBegins != nil {
		v.Form["next_term_begins"] = *tm.NextTermBegins
	}
	return h.termEditPage(c, fiber.StatusOK, v, tm)
}

func (h *handlers) termEditPage(c *fiber.Ctx, status int, v *view, tm academics.Term) error {
	v.Title = tm.Name + " · " + tm.SessionName
	v.Data = termEditData{Term: tm}
	return h.render(c, status, "academic_term", v)
}

// termUpdate saves a term's name and dates.
func (h *handlers) termUpdate(c *fiber.Ctx) error {
	id, err := pathID(c, "term")
	if err != nil {
		return h.fail(c, err)
	}
	ctx, t := c.UserContext(), tenantOf(c)
	cur, err := academics.New(t).Term(ctx, id)
	if err != nil {
		return h.fail(c, err)
	}
	v := h.newView(c, cur.Name, "academics")
	v.Form = form(c, "name", "start_date", "end_date", "next_term_begins")
	p := academics.TermPatch{Name: ptr(v.Form["name"]), StartDate: ptr(v.Form["start_date"]), EndDate: ptr(v.Form["end_date"]),
		NextTermBegins: academics.Null[string]()}
	if nb := v.Form["next_term_begins"]; nb != "" {
		p.NextTermBegins = academics.Value(nb)
	}
	tm, err := academics.New(t).UpdateTerm(ctx, id, p, auth.MetaFrom(c))
	if err != nil {
		status, ierr := formError(v, err)
		if ierr != nil {
			return ierr
		}
		return h.termEditPage(c, status, v, cur)
	}
	return redirect(c, acadDone(v.Prefix, "terms", tm.SessionID, "term_saved"))
}

func ptr[T any](v T) *T { return &v }

// formCreate adds a form (grade level).
func (h *handlers) formCreate(c *fiber.Ctx) error {
	v := h.newView(c, "Academic setup", "academics")
	v.Form = form(c, "name", "level", "level_block")
	level, ok := formInt(v, "level")
	if !ok {
		return h.acadFormFailed(c, v, "forms", fieldsError(v))
	}
	if _, err := acadOf(c).CreateForm(c.UserContext(), academics.FormInput{Name: v.Form["name"], Level: level,
		LevelBlock: v.Form["level_block"]}, auth.MetaFrom(c)); err != nil {
		return h.acadFormFailed(c, v, "forms", err)
	}
	return redirect(c, acadDone(v.Prefix, "forms", 0, "form_created"))
}

var classFields = []string{"session", "form", "name", "class_teacher", "capacity"}

// classInput reads the class form; ok is false when a number field holds text.
func classInput(v *view) (in academics.ClassInput, ok bool) {
	session, ok1 := formInt(v, "session")
	formID, ok2 := formInt(v, "form")
	teacher, ok3 := formOptionalInt(v, "class_teacher")
	capacity, ok4 := formOptionalInt(v, "capacity")
	return academics.ClassInput{SessionID: session, FormID: formID, Name: v.Form["name"], ClassTeacherID: teacher,
		Capacity: capacity}, ok1 && ok2 && ok3 && ok4
}

// classCreate adds a class to the session the classes tab shows.
func (h *handlers) classCreate(c *fiber.Ctx) error {
	v := h.newView(c, "Academic setup", "academics")
	v.Form = form(c, classFields...)
	in, ok := classInput(v)
	if !ok {
		return h.acadFormFailed(c, v, "classes", fieldsError(v))
	}
	cl, err := acadOf(c).CreateClass(c.UserContext(), in, auth.MetaFrom(c))
	if err != nil {
		return h.acadFormFailed(c, v, "classes", err)
	}
	return redirect(c, acadDone(v.Prefix, "classes", cl.SessionID, "class_created"))
}

type classEditData struct {
	Class        academics.Class
	FormOptions  []option
	StaffOptions []option
}

// classEditForm shows a class for changing.
func (h *handlers) classEditForm(c *fiber.Ctx) error {
	id, err := pathID(c, "class")
	if err != nil {
		return h.fail(c, err)
	}
	cl, err := acadOf(c).Class(c.UserContext(), id)
	if err != nil {
		return h.fail(c, err)
	}
	v := h.newView(c, cl.Name, "academics")
	v.Form = map[string]string{"form": id64(cl.FormID), "name": cl.Name}
	if cl.ClassTeacherID != nil {
		v.Form["class_teacher"] = id64(*cl.ClassTeacherID)
	}
	if cl.Capacity != nil {
		v.Form["capacity"] = id64(*cl.Capacity)
	}
	return h.classEditPage(c, fiber.StatusOK, v, cl)
}

func (h *handlers) classEditPage(c *fiber.Ctx, status int, v *view, cl academics.Class) error {
	forms, err := formOptions(c)
	if err != nil {
		return err
	}
	staff, err := staffOptions(c)
	if err != nil {
		return err
	}
	// A class teacher who no longer teaches (deactivated, another role) stays selected
	// until someone else is chosen.
	if cl.ClassTeacherID != nil && !knownOption(staff, id64(*cl.ClassTeacherID)) && cl.ClassTeacherName != nil {
		staff = append(staff, option{Value: id64(*cl.ClassTeacherID), Label: *cl.ClassTeacherName + " (no longer teaching)"})
	}
	v.Title = fmt.Sprintf("%s · %s", cl.Name, cl.SessionName)
	v.Data = classEditData{Class: cl, FormOptions: forms, StaffOptions: staff}
	return h.render(c, status, "academic_class", v)
}

// classUpdate saves a class: its form, name, class teacher and capacity.
func (h *handlers) classUpdate(c *fiber.Ctx) error {
	id, err := pathID(c, "class")
	if err != nil {
		return h.fail(c, err)
	}
	ctx, t := c.UserContext(), tenantOf(c)
	cur, err := academics.New(t).Class(ctx, id)
	if err != nil {
		return h.fail(c, err)
	}
	v := h.newView(c, cur.Name, "academics")
	v.Form = form(c, "form", "name", "class_teacher", "capacity")
	in, ok := classInput(v)
	if !ok {
		status, _ := formError(v, fieldsError(v))
		return h.classEditPage(c, status, v, cur)
	}
	p := academics.ClassPatch{FormID: &in.FormID, Name: &in.Name, ClassTeacherID: academics.Null[int64](), Capacity: academics.Null[int64]()}
	if in.ClassTeacherID != nil {
		p.ClassTeacherID = academics.Value(*in.ClassTeacherID)
	}
	if in.Capacity != nil {
		p.Capacity = academics.Value(*in.Capacity)
	}
	cl, err := academics.New(t).UpdateClass(ctx, id, p, auth.MetaFrom(c))
	if err != nil {
		status, ierr := formError(v, err)
		if ierr != nil {
			return ierr
		}
		return h.classEditPage(c, status, v, cur)
	}
	return redirect(c, acadDone(v.Prefix, "classes", cl.SessionID, "class_saved"))
}

// subjectCreate adds a subject; an unticked "core" box makes it an elective.
func (h *handlers) subjectCreate(c *fiber.Ctx) error {
	v := h.newView(c, "Academic setup", "academics")
	v.Form = form(c, "code", "name")
	v.Form["is_core"] = checked(c, "is_core")
	core := v.Form["is_core"] == "1"
	if _, err := acadOf(c).CreateSubject(c.UserContext(), academics.SubjectInput{Code: v.Form["code"], Name: v.Form["name"],
		IsCore: &core}, auth.MetaFrom(c)); err != nil {
		return h.acadFormFailed(c, v, "subjects", err)
	}
	return redirect(c, acadDone(v.Prefix, "subjects", 0, "subject_created"))
}

// assignmentCreate makes a teacher the teacher of a subject in a class.
func (h *handlers) assignmentCreate(c *fiber.Ctx) error {
	v := h.newView(c, "Academic setup", "academics")
	v.Form = form(c, "session", "teacher", "class", "subject")
	teacher, ok1 := formInt(v, "teacher")
	class, ok2 := formInt(v, "class")
	subject, ok3 := formInt(v, "subject")
	if !ok1 || !ok2 || !ok3 {
		return h.acadFormFailed(c, v, "assignments", fieldsError(v))
	}
	a, err := acadOf(c).AssignSubject(c.UserContext(), academics.AssignmentInput{TeacherID: teacher, ClassID: class,
		SubjectID: subject}, auth.MetaFrom(c))
	if err != nil {
		return h.acadFormFailed(c, v, "assignments", err)
	}
	return redirect(c, acadDone(v.Prefix, "assignments", a.SessionID, "assignment_created"))
}

// assignmentDelete removes who teaches a subject in a class.
func (h *handlers) assignmentDelete(c *fiber.Ctx) error {
	id, err := pathID(c, "assignment")
	if err != nil {
		return h.fail(c, err)
	}
	ctx, t := c.UserContext(), tenantOf(c)
	a, err := academics.New(t).Assignment(ctx, id)
	if err != nil {
		return h.fail(c, err)
	}
	if err := academics.New(t).DeleteAssignment(ctx, id, auth.MetaFrom(c)); err != nil {
		return h.acadActionFailed(c, "assignments", err)
	}
	return redirect(c, acadDone(prefix(c), "assignments", a.SessionID, "assignment_deleted"))
}
