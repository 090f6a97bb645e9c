package academics

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/web"
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
	// Opens are the classes whose students list the user may open: every class of
	// the current session, or for a teacher the ones they lead or teach (a teacher
	// sees only those students, so a link to another class would show nothing).
	Opens map[int64]bool

	Current *Session // the current session, nil before the first
	Session *Session // the session the terms, classes or assignments tab shows
	// SessionValue is Session's id as the session select has it.
	SessionValue string
	Sessions     []Session

	Terms       []Term
	Forms       []Form
	Classes     []Class
	Subjects    []Subject
	Assignments []Assignment

	SessionOptions []web.Option
	FormOptions    []web.Option
	StaffOptions   []web.Option
	ClassOptions   []web.OptionGroup
	SubjectOptions []web.Option
}

// academicsHome shows the first tab.
func (h pages) academicsHome(c *fiber.Ctx) error {
	return h.academicsPage(c, fiber.StatusOK, h.View(c, "Academic setup", "academics"), "sessions")
}

// academicsTab shows one tab: /academics/classes, ...
func (h pages) academicsTab(c *fiber.Ctx) error {
	tab := c.Params("tab")
	for _, t := range acadTabs {
		if t.Key == tab {
			return h.academicsPage(c, fiber.StatusOK, h.View(c, "Academic setup", "academics"), tab)
		}
	}
	return h.Fail(c, errs.E(errs.NotFound, "there is no academic setup page %q", tab))
}

// academicsPage renders a tab with what it lists; v may carry a form's errors and values.
func (h pages) academicsPage(c *fiber.Ctx, status int, v *web.View, tab string) error {
	d := academicsData{Tab: tab, CanWrite: auth.Allowed(v.User, Write)}
	for _, x := range acadTabs {
		d.Tabs = append(d.Tabs, acadTab{Key: x.Key, Label: x.Label, Href: v.Prefix + "/academics/" + x.Key, Active: x.Key == tab})
		if x.Key == tab {
			v.Title = x.Label + " · Academic setup"
		}
	}
	var err error
	if d.Current, err = CurrentSessionOf(c); err != nil {
		return err
	}
	// The tabs that belong to one session show the current one unless asked otherwise.
	if tab == "sessions" || tab == "terms" || tab == "classes" || tab == "assignments" {
		if d.Sessions, err = web.All(c, New(web.Tenant(c)).ListSessions, SessionFilter{}); err != nil {
			return err
		}
		want := web.QueryID(c, "session")
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
			d.SessionOptions = append(d.SessionOptions, web.Option{Value: web.ID(s.ID), Label: label})
		}
		if d.Session == nil && len(d.Sessions) > 0 && tab != "sessions" {
			d.Session = &d.Sessions[0]
		}
	}
	sessionID := int64(0)
	if d.Session != nil {
		sessionID, d.SessionValue = d.Session.ID, web.ID(d.Session.ID)
	}
	switch tab {
	case "terms":
		if sessionID != 0 {
			d.Terms, err = web.All(c, New(web.Tenant(c)).ListTerms, TermFilter{SessionID: sessionID})
		}
	case "forms":
		d.Forms, err = web.All(c, New(web.Tenant(c)).ListForms, FormFilter{})
	case "classes":
		if sessionID != 0 {
			d.Classes, err = web.All(c, New(web.Tenant(c)).ListClasses, ClassFilter{SessionID: sessionID})
		}
		if err == nil && d.Session != nil {
			d.Opens, err = h.opens(c, v, d.Classes, d.Session.IsCurrent)
		}
		if err == nil && d.CanWrite {
			if d.FormOptions, err = FormOptions(c); err == nil {
				d.StaffOptions, err = h.StaffOptions(c)
			}
		}
	case "subjects":
		d.Subjects, err = web.All(c, New(web.Tenant(c)).ListSubjects, SubjectFilter{})
	case "assignments":
		if sessionID != 0 {
			d.Assignments, err = web.All(c, New(web.Tenant(c)).ListAssignments, AssignmentFilter{SessionID: sessionID})
		}
		if err == nil && d.CanWrite && sessionID != 0 {
			var opts []web.Option
			if _, opts, err = ClassOptions(c, sessionID); err == nil {
				d.ClassOptions = web.Grouped(opts)
				if d.StaffOptions, err = h.StaffOptions(c); err == nil {
					var subs []Subject
					subs, err = web.All(c, New(web.Tenant(c)).ListSubjects, SubjectFilter{})
					for _, s := range subs {
						d.SubjectOptions = append(d.SubjectOptions, web.Option{Value: web.ID(s.ID), Label: s.Name + " (" + s.Code + ")"})
					}
				}
			}
		}
	}
	if err != nil {
		return err
	}
	v.Data = d
	return h.Render(c, status, "academics", v)
}

// opens are the classes whose students the user may list: all, or for a teacher those
// of the current session they lead or teach.
func (h pages) opens(c *fiber.Ctx, v *web.View, classes []Class, current bool) (map[int64]bool, error) {
	out := map[int64]bool{}
	teacher := v.User != nil && v.User.Role == auth.RoleTeacher
	if teacher && !current {
		return out, nil
	}
	for _, cl := range classes {
		if !teacher || (cl.ClassTeacherID != nil && *cl.ClassTeacherID == v.User.UserID) {
			out[cl.ID] = true
		}
	}
	if !teacher || len(classes) == 0 {
		return out, nil
	}
	as, err := web.All(c, New(web.Tenant(c)).ListAssignments, AssignmentFilter{TeacherID: v.User.UserID, SessionID: classes[0].SessionID})
	for _, a := range as {
		out[a.ClassID] = true
	}
	return out, err
}

// acadDone is where a successful change of a tab goes: the tab, the session it showed,
// and the message.
func acadDone(prefix string, tab string, sessionID int64, done string) string {
	q := url.Values{"done": {done}}
	if sessionID != 0 {
		q.Set("session", web.ID(sessionID))
	}
	return prefix + "/academics/" + tab + "?" + q.Encode()
}

// acadFormFailed shows the tab again with a form's errors and values, or hands an
// internal error on.
func (h pages) acadFormFailed(c *fiber.Ctx, v *web.View, tab string, err error) error {
	status, ierr := web.FormError(v, err)
	if ierr != nil {
		return ierr
	}
	return h.academicsPage(c, status, v, tab)
}

// sessionCreate adds a session from the sessions tab.
func (h pages) sessionCreate(c *fiber.Ctx) error {
	v := h.View(c, "Academic setup", "academics")
	v.Form = web.Form(c, "name", "start_date", "end_date")
	v.Form["is_current"] = web.Checked(c, "is_current")
	s, err := New(web.Tenant(c)).CreateSession(c.UserContext(), SessionInput{Name: v.Form["name"],
		StartDate: v.Form["start_date"], EndDate: v.Form["end_date"], IsCurrent: v.Form["is_current"] == "1"}, auth.MetaFrom(c))
	if err != nil {
		return h.acadFormFailed(c, v, "sessions", err)
	}
	return web.Redirect(c, acadDone(v.Prefix, "sessions", s.ID, "session_created"))
}

// sessionCurrent makes a session the current one.
func (h pages) sessionCurrent(c *fiber.Ctx) error {
	id, err := web.PathID(c, "session")
	if err != nil {
		return h.Fail(c, err)
	}
	yes := true
	if _, err := New(web.Tenant(c)).UpdateSession(c.UserContext(), id, SessionPatch{IsCurrent: &yes}, auth.MetaFrom(c)); err != nil {
		return h.acadActionFailed(c, "sessions", err)
	}
	return web.Redirect(c, acadDone(web.Prefix(c), "sessions", 0, "session_current"))
}

// acadActionFailed shows a tab with the reason a button did nothing; unknown records get
// the not-found page.
func (h pages) acadActionFailed(c *fiber.Ctx, tab string, err error) error {
	e := errs.As(err)
	if e.Code == errs.Internal || e.Code == errs.NotFound {
		return h.Fail(c, err)
	}
	v := h.View(c, "Academic setup", "academics")
	v.Error = web.Sentence(e.Message)
	for _, msg := range e.Fields {
		v.Error = web.Sentence(msg)
	}
	return h.academicsPage(c, web.StatusFor(e), v, tab)
}

var termFields = []string{"session", "name", "start_date", "end_date", "next_term_begins"}

// termCreate adds a term to the session the terms tab shows.
func (h pages) termCreate(c *fiber.Ctx) error {
	v := h.View(c, "Academic setup", "academics")
	v.Form = web.Form(c, termFields...)
	v.Form["is_current"] = web.Checked(c, "is_current")
	session, _ := web.FormInt(v, "session")
	tm, err := New(web.Tenant(c)).CreateTerm(c.UserContext(), TermInput{SessionID: session, Name: v.Form["name"],
		StartDate: v.Form["start_date"], EndDate: v.Form["end_date"], NextTermBegins: v.Form["next_term_begins"],
		IsCurrent: v.Form["is_current"] == "1"}, auth.MetaFrom(c))
	if err != nil {
		return h.acadFormFailed(c, v, "terms", err)
	}
	return web.Redirect(c, acadDone(v.Prefix, "terms", tm.SessionID, "term_created"))
}

// termCurrent makes a term (and its session) current.
func (h pages) termCurrent(c *fiber.Ctx) error {
	id, err := web.PathID(c, "term")
	if err != nil {
		return h.Fail(c, err)
	}
	yes := true
	tm, err := New(web.Tenant(c)).UpdateTerm(c.UserContext(), id, TermPatch{IsCurrent: &yes}, auth.MetaFrom(c))
	if err != nil {
		return h.acadActionFailed(c, "terms", err)
	}
	return web.Redirect(c, acadDone(web.Prefix(c), "terms", tm.SessionID, "term_current"))
}

type termEditData struct{ Term Term }

// termEditForm shows a term's name and dates for changing.
func (h pages) termEditForm(c *fiber.Ctx) error {
	id, err := web.PathID(c, "term")
	if err != nil {
		return h.Fail(c, err)
	}
	tm, err := New(web.Tenant(c)).Term(c.UserContext(), id)
	if err != nil {
		return h.Fail(c, err)
	}
	v := h.View(c, tm.Name, "academics")
	v.Form = map[string]string{"name": tm.Name, "start_date": tm.StartDate, "end_date": tm.EndDate}
	if tm.NextTermBegins != nil {
		v.Form["next_term_begins"] = *tm.NextTermBegins
	}
	return h.termEditPage(c, fiber.StatusOK, v, tm)
}

func (h pages) termEditPage(c *fiber.Ctx, status int, v *web.View, tm Term) error {
	v.Title = tm.Name + " · " + tm.SessionName
	v.Data = termEditData{Term: tm}
	return h.Render(c, status, "academic_term", v)
}

// termUpdate saves a term's name and dates.
func (h pages) termUpdate(c *fiber.Ctx) error {
	id, err := web.PathID(c, "term")
	if err != nil {
		return h.Fail(c, err)
	}
	ctx, t := c.UserContext(), web.Tenant(c)
	cur, err := New(t).Term(ctx, id)
	if err != nil {
		return h.Fail(c, err)
	}
	v := h.View(c, cur.Name, "academics")
	v.Form = web.Form(c, "name", "start_date", "end_date", "next_term_begins")
	p := TermPatch{Name: ptr(v.Form["name"]), StartDate: ptr(v.Form["start_date"]), EndDate: ptr(v.Form["end_date"]),
		NextTermBegins: Null[string]()}
	if nb := v.Form["next_term_begins"]; nb != "" {
		p.NextTermBegins = Value(nb)
	}
	tm, err := New(t).UpdateTerm(ctx, id, p, auth.MetaFrom(c))
	if err != nil {
		status, ierr := web.FormError(v, err)
		if ierr != nil {
			return ierr
		}
		return h.termEditPage(c, status, v, cur)
	}
	return web.Redirect(c, acadDone(v.Prefix, "terms", tm.SessionID, "term_saved"))
}

func ptr[T any](v T) *T { return &v }

// formCreate adds a form (grade level).
func (h pages) formCreate(c *fiber.Ctx) error {
	v := h.View(c, "Academic setup", "academics")
	v.Form = web.Form(c, "name", "level", "level_block")
	level, ok := web.FormInt(v, "level")
	if !ok {
		return h.acadFormFailed(c, v, "forms", web.FieldsError(v))
	}
	if _, err := New(web.Tenant(c)).CreateForm(c.UserContext(), FormInput{Name: v.Form["name"], Level: level,
		LevelBlock: v.Form["level_block"]}, auth.MetaFrom(c)); err != nil {
		return h.acadFormFailed(c, v, "forms", err)
	}
	return web.Redirect(c, acadDone(v.Prefix, "forms", 0, "form_created"))
}

var classFields = []string{"session", "form", "name", "class_teacher", "capacity"}

// classInput reads the class form; ok is false when a number field holds text.
func classInput(v *web.View) (in ClassInput, ok bool) {
	session, ok1 := web.FormInt(v, "session")
	formID, ok2 := web.FormInt(v, "form")
	teacher, ok3 := web.FormOptionalInt(v, "class_teacher")
	capacity, ok4 := web.FormOptionalInt(v, "capacity")
	return ClassInput{SessionID: session, FormID: formID, Name: v.Form["name"], ClassTeacherID: teacher,
		Capacity: capacity}, ok1 && ok2 && ok3 && ok4
}

// classCreate adds a class to the session the classes tab shows.
func (h pages) classCreate(c *fiber.Ctx) error {
	v := h.View(c, "Academic setup", "academics")
	v.Form = web.Form(c, classFields...)
	in, ok := classInput(v)
	if !ok {
		return h.acadFormFailed(c, v, "classes", web.FieldsError(v))
	}
	cl, err := New(web.Tenant(c)).CreateClass(c.UserContext(), in, auth.MetaFrom(c))
	if err != nil {
		return h.acadFormFailed(c, v, "classes", err)
	}
	return web.Redirect(c, acadDone(v.Prefix, "classes", cl.SessionID, "class_created"))
}

type classEditData struct {
	Class        Class
	FormOptions  []web.Option
	StaffOptions []web.Option
}

// classEditForm shows a class for changing.
func (h pages) classEditForm(c *fiber.Ctx) error {
	id, err := web.PathID(c, "class")
	if err != nil {
		return h.Fail(c, err)
	}
	cl, err := New(web.Tenant(c)).Class(c.UserContext(), id)
	if err != nil {
		return h.Fail(c, err)
	}
	v := h.View(c, cl.Name, "academics")
	v.Form = map[string]string{"form": web.ID(cl.FormID), "name": cl.Name}
	if cl.ClassTeacherID != nil {
		v.Form["class_teacher"] = web.ID(*cl.ClassTeacherID)
	}
	if cl.Capacity != nil {
		v.Form["capacity"] = web.ID(*cl.Capacity)
	}
	return h.classEditPage(c, fiber.StatusOK, v, cl)
}

func (h pages) classEditPage(c *fiber.Ctx, status int, v *web.View, cl Class) error {
	forms, err := FormOptions(c)
	if err != nil {
		return err
	}
	staff, err := h.StaffOptions(c)
	if err != nil {
		return err
	}
	// A class teacher who no longer teaches (deactivated, another role) stays selected
	// until someone else is chosen.
	if cl.ClassTeacherID != nil && !web.KnownOption(staff, web.ID(*cl.ClassTeacherID)) && cl.ClassTeacherName != nil {
		staff = append(staff, web.Option{Value: web.ID(*cl.ClassTeacherID), Label: *cl.ClassTeacherName + " (no longer teaching)"})
	}
	v.Title = fmt.Sprintf("%s · %s", cl.Name, cl.SessionName)
	v.Data = classEditData{Class: cl, FormOptions: forms, StaffOptions: staff}
	return h.Render(c, status, "academic_class", v)
}

// classUpdate saves a class: its form, name, class teacher and capacity.
func (h pages) classUpdate(c *fiber.Ctx) error {
	id, err := web.PathID(c, "class")
	if err != nil {
		return h.Fail(c, err)
	}
	ctx, t := c.UserContext(), web.Tenant(c)
	cur, err := New(t).Class(ctx, id)
	if err != nil {
		return h.Fail(c, err)
	}
	v := h.View(c, cur.Name, "academics")
	v.Form = web.Form(c, "form", "name", "class_teacher", "capacity")
	in, ok := classInput(v)
	if !ok {
		status, _ := web.FormError(v, web.FieldsError(v))
		return h.classEditPage(c, status, v, cur)
	}
	p := ClassPatch{FormID: &in.FormID, Name: &in.Name, ClassTeacherID: Null[int64](), Capacity: Null[int64]()}
	if in.ClassTeacherID != nil {
		p.ClassTeacherID = Value(*in.ClassTeacherID)
	}
	if in.Capacity != nil {
		p.Capacity = Value(*in.Capacity)
	}
	cl, err := New(t).UpdateClass(ctx, id, p, auth.MetaFrom(c))
	if err != nil {
		status, ierr := web.FormError(v, err)
		if ierr != nil {
			return ierr
		}
		return h.classEditPage(c, status, v, cur)
	}
	return web.Redirect(c, acadDone(v.Prefix, "classes", cl.SessionID, "class_saved"))
}

// subjectCreate adds a subject; an unticked "core" box makes it an elective.
func (h pages) subjectCreate(c *fiber.Ctx) error {
	v := h.View(c, "Academic setup", "academics")
	v.Form = web.Form(c, "code", "name")
	v.Form["is_core"] = web.Checked(c, "is_core")
	core := v.Form["is_core"] == "1"
	if _, err := New(web.Tenant(c)).CreateSubject(c.UserContext(), SubjectInput{Code: v.Form["code"], Name: v.Form["name"],
		IsCore: &core}, auth.MetaFrom(c)); err != nil {
		return h.acadFormFailed(c, v, "subjects", err)
	}
	return web.Redirect(c, acadDone(v.Prefix, "subjects", 0, "subject_created"))
}

// assignmentCreate makes a teacher the teacher of a subject in a class.
func (h pages) assignmentCreate(c *fiber.Ctx) error {
	v := h.View(c, "Academic setup", "academics")
	v.Form = web.Form(c, "session", "teacher", "class", "subject")
	teacher, ok1 := web.FormInt(v, "teacher")
	class, ok2 := web.FormInt(v, "class")
	subject, ok3 := web.FormInt(v, "subject")
	if !ok1 || !ok2 || !ok3 {
		return h.acadFormFailed(c, v, "assignments", web.FieldsError(v))
	}
	a, err := New(web.Tenant(c)).AssignSubject(c.UserContext(), AssignmentInput{TeacherID: teacher, ClassID: class,
		SubjectID: subject}, auth.MetaFrom(c))
	if err != nil {
		return h.acadFormFailed(c, v, "assignments", err)
	}
	return web.Redirect(c, acadDone(v.Prefix, "assignments", a.SessionID, "assignment_created"))
}

// assignmentDelete removes who teaches a subject in a class.
func (h pages) assignmentDelete(c *fiber.Ctx) error {
	id, err := web.PathID(c, "assignment")
	if err != nil {
		return h.Fail(c, err)
	}
	ctx, t := c.UserContext(), web.Tenant(c)
	a, err := New(t).Assignment(ctx, id)
	if err != nil {
		return h.Fail(c, err)
	}
	if err := New(t).DeleteAssignment(ctx, id, auth.MetaFrom(c)); err != nil {
		return h.acadActionFailed(c, "assignments", err)
	}
	return web.Redirect(c, acadDone(web.Prefix(c), "assignments", a.SessionID, "assignment_deleted"))
}

// TermOptions are the school's terms for a select, grouped by session (latest first).
func TermOptions(c *fiber.Ctx) ([]web.OptionGroup, error) {
	terms, err := web.All(c, New(web.Tenant(c)).ListTerms, TermFilter{})
	if err != nil {
		return nil, err
	}
	opts := make([]web.Option, 0, len(terms))
	for _, t := range terms {
		opts = append(opts, web.Option{Value: web.ID(t.ID), Label: t.Name, Group: t.SessionName})
	}
	return web.Grouped(opts), nil
}
