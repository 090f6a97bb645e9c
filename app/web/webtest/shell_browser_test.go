package webtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/db"
)

type css = chromedp.CSS

// str evaluates js in the page and returns its string value.
func (c *chrome) str(js string) string {
	c.t.Helper()
	sctx, cancel := context.WithTimeout(c.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[string](js))
	require.NoError(c.t, err, js)
	return v
}

// signIn signs in through the page at base (the window must be wide enough to show the
// top bar's navigation, which the step waits for).
func (c *chrome) signIn(base, email, pw string) {
	c.t.Helper()
	c.do("sign in as "+email,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(css(`#f-email`)),
		chromedp.SendKeys(css(`#f-email`), email),
		chromedp.SendKeys(css(`#f-password`), pw),
		chromedp.Click(css(`main form button[type=submit]`)),
		chromedp.WaitVisible(css(`.topbar .account`)),
	)
}

func desktop(w int64) chromedp.Action[chromedp.Void] { return chromedp.EmulateViewport(w, 900) }

func phone() chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)
}

// reachable lists what is wrong with the links and buttons sel matches: not shown, off
// the screen sideways, or covered or clipped where a finger or a pointer would press
// them; and whether the page scrolls sideways. "" when nothing is.
const reachable = `(sel) => {
  const vw = document.documentElement.clientWidth, out = [];
  if (document.documentElement.scrollWidth > vw) out.push("the page scrolls sideways: " + document.documentElement.scrollWidth + " > " + vw);
  const els = Array.from(document.querySelectorAll(sel));
  if (!els.length) out.push("nothing matches " + sel);
  for (const el of els) {
    const r = el.getBoundingClientRect(), name = el.textContent.trim();
    if (r.width < 1 || r.height < 1) { out.push(name + ": not shown"); continue; }
    if (r.left < 0 || r.right > vw + 0.5) { out.push(name + ": off the screen (" + r.left + " to " + r.right + ")"); continue; }
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    if (!hit || !el.contains(hit)) out.push(name + ": covered by " + (hit ? hit.outerHTML.slice(0, 80) : "nothing"));
  }
  return out.join("\n");
}`

// moreModules adds the modules' links (Attendance, Exams, Notices, WhatsApp) that a
// school's navigation does not show yet, to both of its forms, so the layout is checked
// with every link an admin can have.
const moreModules = `(() => {
  for (const nav of document.querySelectorAll(".nav-inner, .menu-nav")) {
    for (const label of ["Attendance", "Exams", "Notices", "WhatsApp"]) {
      if (Array.from(nav.querySelectorAll("a")).some((x) => x.textContent.trim() === label)) continue;
      const a = document.createElement("a");
      a.href = "#" + label.toLowerCase();
      a.textContent = label;
      nav.insertBefore(a, nav.lastElementChild);
    }
  }
  return document.querySelectorAll(".nav-inner a").length;
})()`

const longSchoolName = "St. Bakhita's Mixed Day and Boarding Secondary School, Kakamega"

// TestTopBarKeepsEveryLinkReachable: with a long school name (and with an ordinary one),
// at 1280, 1024, 768 and 390 px, every link of the top bar can be seen and pressed (on a
// phone through the Menu button), sign-out too, the whole name is in the brand's tooltip,
// and no page scrolls sideways; the same with the nine links the navigation will have.
func TestTopBarKeepsEveryLinkReachable(t *testing.T) {
	c := startChrome(t)
	s := startServer(t)
	s.school(t, "bakhita", longSchoolName)
	s.school(t, "demo", "Demo Secondary School")

	for _, sc := range []struct{ schema, name, file string }{{"bakhita", longSchoolName, "long"}, {"demo", "Demo Secondary School", "demo"}} {
		base := s.url(sc.schema+".localhost", "")
		c.do("window", desktop(1280))
		c.signIn(base, "admin@"+sc.schema+".localhost", adminPass)
		for _, nine := range []bool{false, true} {
			label := "five links"
			if nine {
				label = "nine links"
			}
			open := func(what string, size chromedp.Action[chromedp.Void]) {
				c.do(what, size, chromedp.Navigate(base+"/users"), chromedp.WaitVisible(css(`main h1`)))
				if nine {
					n, err := strconv.Atoi(c.str(`String(` + moreModules + `)`))
					require.NoError(t, err)
					require.GreaterOrEqual(t, n, 9)
				}
			}
			for _, w := range []int64{1280, 1024, 768} {
				open(fmt.Sprintf("%s at %d px", sc.schema, w), desktop(w))
				assert.Empty(t, c.str(`(`+reachable+`)(".topbar .nav a, .topbar .signout button, .topbar .brand")`), "%s, %s, %d px", sc.schema, label, w)
				assert.Equal(t, sc.name, c.str(`document.querySelector(".topbar .brand").title`))
				assert.Contains(t, c.text(`.topbar .nav`), "Academics")
				assert.Contains(t, c.text(`.topbar .nav`), "Users")
				c.do("screenshot", c.shot(fmt.Sprintf("topbar-%s-%d-%s.png", sc.file, w, strings.Fields(label)[0])))
			}
			open(sc.schema+" on a phone", phone())
			assert.Empty(t, c.str(`(`+reachable+`)(".topbar .menu-button, .topbar .brand")`), "%s, %s, phone", sc.schema, label)
			assert.False(t, c.eval(`document.querySelector(".menu-nav a").checkVisibility()`), "the menu starts closed")
			c.do("open the menu", chromedp.Click(css(`.menu-button`)), chromedp.WaitVisible(css(`.menu-nav a`)),
				c.shot(fmt.Sprintf("topbar-%s-390-menu-%s.png", sc.file, strings.Fields(label)[0])))
			assert.Empty(t, c.str(`(`+reachable+`)(".menu-nav a, .menu-account button")`), "%s, %s, phone menu", sc.schema, label)
			c.do("a link of the menu works", chromedp.Click(css(`.menu-nav a[href="/academics"]`)), chromedp.WaitVisible(css(`.tabs`)))
			c.do("back to the window", desktop(1280))
		}
		c.do("sign out", chromedp.Navigate(base+"/"), chromedp.WaitVisible(css(`.signout button`)),
			chromedp.Click(css(`.signout button`)), chromedp.WaitVisible(css(`#f-email`)))
	}
	assert.Empty(t, filterNoise(c.consoleErrors()), "browser console errors")
}

// TestConfirmBeforeHardToUndo: each one-click action that is hard to undo asks first,
// naming the thing. Saying no sends nothing (the submission is cancelled before the
// browser or htmx sends it) and changes nothing; saying yes does it.
func TestConfirmBeforeHardToUndo(t *testing.T) {
	c := startChrome(t)
	s := startServer(t)
	s.school(t, "demo", "Demo Secondary School")
	y := s.seedYear(t, "demo")
	var ann, ben students.Admission
	var nextYear academics.Session
	var term2 academics.Term
	var assignment academics.Assignment
	s.withSchool(t, "demo", func(ctx context.Context, tn *db.Tenant) {
		var err error
		sv := students.New(tn)
		ann, err = sv.CreateAdmission(ctx, students.AdmissionInput{FirstName: "Ann", LastName: "Otieno", Gender: "female", Form: y.Form1.ID}, auth.Meta{})
		require.NoError(t, err)
		ben, err = sv.CreateAdmission(ctx, students.AdmissionInput{FirstName: "Ben", LastName: "Wafula", Gender: "male", Form: y.Form1.ID}, auth.Meta{})
		require.NoError(t, err)
		nextYear, err = academics.New(tn).CreateSession(ctx, academics.SessionInput{Name: "2026/2027", StartDate: "2026-09-01", EndDate: "2027-07-31"}, auth.Meta{})
		require.NoError(t, err)
		term2, err = academics.New(tn).CreateTerm(ctx, academics.TermInput{SessionID: y.Session.ID, Name: "Term 2", StartDate: "2026-01-05", EndDate: "2026-04-03"}, auth.Meta{})
		require.NoError(t, err)
		assignment, err = academics.New(tn).AssignSubject(ctx, academics.AssignmentInput{TeacherID: y.TeacherID, ClassID: y.Class2A.ID, SubjectID: y.Subject.ID}, auth.Meta{})
		require.NoError(t, err)
	})
	_, err := s.App.Clients.AddDomain(context.Background(), "demo", "portal.demo.example", false)
	require.NoError(t, err)
	base := s.url("demo.localhost", "")
	platform := s.url("localhost", "")
	answers := answerDialogs(c.ctx, false)

	inSchool := func(fn func(ctx context.Context, tn *db.Tenant)) { s.withSchool(t, "demo", fn) }
	admissionStatus := func(id int64) (status string) {
		inSchool(func(ctx context.Context, tn *db.Tenant) {
			ad, err := students.New(tn).GetAdmission(ctx, students.Viewer{}, id)
			require.NoError(t, err)
			status = ad.Status
		})
		return status
	}
	userActive := func(id int64) (active bool) {
		for _, u := range s.users(t, "demo") {
			if u.ID == id {
				active = u.IsActive
			}
		}
		return active
	}
	current := func(id int64) (cur bool) {
		inSchool(func(ctx context.Context, tn *db.Tenant) {
			x, err := academics.New(tn).Session(ctx, id)
			require.NoError(t, err)
			cur = x.IsCurrent
		})
		return cur
	}
	termCurrent := func(id int64) (cur bool) {
		inSchool(func(ctx context.Context, tn *db.Tenant) {
			x, err := academics.New(tn).Term(ctx, id)
			require.NoError(t, err)
			cur = x.IsCurrent
		})
		return cur
	}
	assignments := func() (n int64) {
		inSchool(func(ctx context.Context, tn *db.Tenant) {
			_, n, err = academics.New(tn).ListAssignments(ctx, academics.AssignmentFilter{}, query.Page{Number: 1, Size: 10})
			require.NoError(t, err)
		})
		return n
	}
	hasDomain := func(d string) bool {
		tn, err := s.App.Clients.Get(context.Background(), "demo")
		require.NoError(t, err)
		for _, x := range tn.Domains {
			if x.Domain == d {
				return true
			}
		}
		return false
	}
	suspended := func() bool {
		tn, err := s.App.Clients.Get(context.Background(), "demo")
		require.NoError(t, err)
		return tn.Status == "suspended"
	}

	// Every submission is recorded before anything else sees it (capture on window), and
	// every request htmx would start; after a "no" the one submission must be cancelled.
	const record = `window.sent = []; window.addEventListener("submit", e => sent.push(e), true);
		document.addEventListener("htmx:beforeRequest", () => sent.push("htmx")); true`
	const refused = `sent.length === 1 && sent[0].defaultPrevented === true`

	type action struct {
		name, page, button, question string
		changed                      func() bool
		done                         chromedp.Action[chromedp.Void] // waits for the outcome
		says                         string                         // the message then shown
	}
	run := func(x action) {
		t.Log(x.name)
		c.do("open "+x.page, chromedp.Navigate(x.page), chromedp.WaitVisible(css(x.button)))
		require.True(t, c.eval(record))
		asked := answers.count()
		answers.set(false)
		c.do(x.name+": press and say no", chromedp.Click(css(x.button)))
		require.Equal(t, asked+1, answers.count(), "%s: a question was asked", x.name)
		assert.Equal(t, x.question, answers.last(), x.name)
		assert.True(t, c.eval(refused), "%s: saying no cancels the submission, nothing is sent", x.name)
		assert.False(t, x.changed(), "%s: saying no changes nothing", x.name)

		answers.set(true)
		c.do(x.name+": press and say yes", chromedp.Click(css(x.button)), x.done)
		assert.True(t, x.changed(), "%s: saying yes does it", x.name)
		assert.Equal(t, x.says, c.text(`#flash .alert-ok`), x.name)
	}
	flash := chromedp.WaitVisible(css(`#flash .alert-ok`))

	c.do("window", desktop(1280))
	c.signIn(base, "admin@demo.localhost", adminPass)
	run(action{name: "reject an application", page: base + "/admissions",
		button:   fmt.Sprintf(`#application-%d form[data-confirm] button`, ann.ID),
		question: "Reject the application of Ann Otieno?",
		changed:  func() bool { return admissionStatus(ann.ID) == "rejected" },
		done:     flash, says: "The application was rejected."})
	assert.Equal(t, "applied", admissionStatus(ben.ID), "only the one named")
	run(action{name: "deactivate a user", page: base + "/users",
		button:   fmt.Sprintf(`#user-%d form[data-confirm] button`, y.TeacherID),
		question: "Deactivate the account of Tess Teacher? They are signed out at once and cannot sign in until the account is activated again.",
		changed:  func() bool { return !userActive(y.TeacherID) },
		done:     chromedp.WaitVisible(css(fmt.Sprintf(`#user-%d.row-off`, y.TeacherID))),
		says:     "Tess Teacher’s account is deactivated: they are signed out everywhere and cannot sign in."})
	c.do("screenshot", c.shot("confirm-user-deactivated.png"))
	run(action{name: "remove a teaching assignment", page: base + "/academics/assignments",
		button:   fmt.Sprintf(`form[action="/academics/assignments/%d/delete"] button`, assignment.ID),
		question: "Remove Tess Teacher from teaching Mathematics in 2A?",
		changed:  func() bool { return assignments() == 0 },
		done:     flash, says: "The assignment was removed."})
	run(action{name: "make a session current", page: base + "/academics/sessions",
		button:   fmt.Sprintf(`form[action="/academics/sessions/%d/current"] button`, nextYear.ID),
		question: "Make 2026/2027 the current session? Pages and new records then use it instead of the session that is current now.",
		changed:  func() bool { return current(nextYear.ID) },
		done:     flash, says: "The current session was changed."})
	run(action{name: "make a term current", page: fmt.Sprintf("%s/academics/terms?session=%d", base, y.Session.ID),
		button:   fmt.Sprintf(`form[action="/academics/terms/%d/current"] button`, term2.ID),
		question: "Make Term 2 the current term? Pages and new records then use it instead of the term that is current now.",
		changed:  func() bool { return termCurrent(term2.ID) },
		done:     flash, says: "The current term was changed."})

	c.signIn(platform, platformEmail, platformPass)
	run(action{name: "remove a domain", page: platform + "/schools/demo",
		button:   `form[data-confirm^="Remove the domain portal.demo.example"] button`,
		question: "Remove the domain portal.demo.example from Demo Secondary School? Links and bookmarks that use it stop working.",
		changed:  func() bool { return !hasDomain("portal.demo.example") },
		done:     flash, says: "The domain was removed."})
	run(action{name: "suspend a school", page: platform + "/schools/demo",
		button:   `form[data-confirm^="Suspend"] button`,
		question: "Suspend Demo Secondary School? Its users see a “temporarily unavailable” page and cannot sign in until you resume it. No data is touched.",
		changed:  suspended,
		done:     flash, says: "The school is suspended."})

	c.do("the suspended school", chromedp.Navigate(base+"/"), chromedp.WaitVisible(css(`main h1`)), c.shot("school-suspended.png"))
	assert.Equal(t, "Temporarily unavailable", c.text(`main h1`))
	assert.Empty(t, withoutStatus(filterNoise(c.consoleErrors()), 403), "browser console errors besides the suspended school's 403")
}

// consoleErrors are the console errors and exceptions the page reported so far.
func (c *chrome) consoleErrors() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.problems...)
}

// withoutStatus drops the console's reports of answers with the given status.
func withoutStatus(problems []string, status int) []string {
	var out []string
	for _, p := range problems {
		if !strings.Contains(p, fmt.Sprintf("status of %d", status)) {
			out = append(out, p)
		}
	}
	return out
}

// TestSessionEndInTheBrowser: in Chromium, an office clerk's half-typed application is
// sent after the session ended: the sign-in page says so, and signing in brings the form
// back filled in (nothing sent); a search made after the session ended comes back as the
// same search; a form from before the last sign-in (another tab) explains itself in the
// normal layout and its values come back on the form.
func TestSessionEndInTheBrowser(t *testing.T) {
	c := startChrome(t)
	s := startServer(t)
	s.school(t, "demo", "Demo Secondary School")
	y := s.seedYear(t, "demo")
	s.user(t, "demo", "clerk@demo.localhost", "Cleo Clerk", auth.RoleClerk, teacherPass)
	s.student(t, "demo", "Wanjiru", "Otieno", y.Class1A.ID, "")
	base := s.url("demo.localhost", "")
	applications := func() (n int64) {
		s.withSchool(t, "demo", func(ctx context.Context, tn *db.Tenant) {
			var err error
			_, n, err = students.New(tn).ListAdmissions(ctx, students.Viewer{}, students.AdmissionFilter{}, query.Page{Number: 1, Size: 1})
			require.NoError(t, err)
		})
		return n
	}

	c.do("window", desktop(1024))
	c.signIn(base, "clerk@demo.localhost", teacherPass)
	c.do("type an application",
		chromedp.Navigate(base+"/admissions/new"),
		chromedp.WaitVisible(css(`#f-first-name`)),
		chromedp.SendKeys(css(`#f-first-name`), "Akinyi"),
		chromedp.SendKeys(css(`#f-last-name`), "Odhiambo"),
		chromedp.SetValue(css(`#f-gender`), "female"),
		chromedp.SetValue(css(`#f-form`), id(y.Form1.ID)),
		chromedp.SendKeys(css(`#f-guardian-name`), "Grace Odhiambo"),
		chromedp.SendKeys(css(`#f-notes`), "Sister of a Form 2 student.\nNeeds a boarding place."),
	)
	s.endSessions(t, "demo")
	c.do("send it after the session ended",
		chromedp.Click(css(`main form button[type=submit]`)),
		chromedp.WaitVisible(css(`#f-password`)),
		c.shot("session-ended-sign-in.png"),
	)
	assert.Contains(t, c.text(`#flash`), "Your session ended before this was saved")
	assert.Zero(t, applications(), "nothing was sent")
	c.do("sign in again",
		chromedp.SendKeys(css(`#f-email`), "clerk@demo.localhost"),
		chromedp.SendKeys(css(`#f-password`), teacherPass),
		chromedp.Click(css(`main form button[type=submit]`)),
		chromedp.WaitVisible(css(`#f-first-name`)),
		chromedp.Poll[chromedp.Void](`document.getElementById("f-last-name").value === "Odhiambo"`),
		c.shot("session-ended-form-back.png"),
	)
	for sel, want := range map[string]string{`#f-first-name`: "Akinyi", `#f-last-name`: "Odhiambo", `#f-gender`: "female",
		`#f-form`: id(y.Form1.ID), `#f-guardian-name`: "Grace Odhiambo", `#f-notes`: "Sister of a Form 2 student.\nNeeds a boarding place."} {
		got, err := chromedp.Run(c.ctx, chromedp.Value(css(sel)))
		require.NoError(t, err)
		assert.Equal(t, want, got, sel)
	}
	assert.Contains(t, c.text(`#flash`), "What you typed is back in the form")
	assert.Zero(t, applications(), "the form waits for its button")
	c.do("send it", chromedp.Click(css(`main form button[type=submit]`)), chromedp.WaitVisible(css(`.alert-ok`)))
	assert.EqualValues(t, 1, applications())

	// A live search typed after the session ended.
	c.do("students", chromedp.Navigate(base+"/students"), chromedp.WaitVisible(css(`#f-search`)))
	s.endSessions(t, "demo")
	c.do("search after the session ended",
		chromedp.SendKeys(css(`#f-search`), "otieno"),
		chromedp.WaitVisible(css(`#f-password`)),
	)
	assert.Contains(t, c.text(`#flash`), "Your session ended")
	c.do("sign in again",
		chromedp.SendKeys(css(`#f-email`), "clerk@demo.localhost"),
		chromedp.SendKeys(css(`#f-password`), teacherPass),
		chromedp.Click(css(`main form button[type=submit]`)),
		chromedp.WaitVisible(css(`#student-results`)),
		c.shot("session-ended-search-back.png"),
	)
	loc, err := chromedp.Run(c.ctx, chromedp.Location())
	require.NoError(t, err)
	back, err := url.Parse(loc)
	require.NoError(t, err)
	assert.Equal(t, "/students", back.Path)
	assert.Equal(t, "otieno", back.Query().Get("search"), "the same search")
	assert.Contains(t, c.text(`#student-results`), "Wanjiru")

	// A form opened before signing out and in again in another tab.
	c.do("open a form", chromedp.Navigate(base+"/admissions/new"), chromedp.WaitVisible(css(`#f-first-name`)),
		chromedp.SendKeys(css(`#f-first-name`), "Baraka"), chromedp.SendKeys(css(`#f-last-name`), "Kiptoo"),
		chromedp.SetValue(css(`#f-gender`), "male"), chromedp.SetValue(css(`#f-form`), id(y.Form1.ID)))
	other, cancel := chromedp.NewContext(c.ctx)
	defer cancel()
	sctx, cancelStep := context.WithTimeout(other, stepTimeout)
	require.NoError(t, chromedp.Do(sctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(css(`.signout button`)),
		chromedp.Click(css(`.signout button`)),
		chromedp.WaitVisible(css(`#f-email`)),
		chromedp.SendKeys(css(`#f-email`), "clerk@demo.localhost"),
		chromedp.SendKeys(css(`#f-password`), teacherPass),
		chromedp.Click(css(`main form button[type=submit]`)),
		chromedp.WaitVisible(css(`.topbar .account`)),
	), "sign out and in again in another tab")
	cancelStep()
	c.do("send the older form",
		chromedp.Click(css(`main form button[type=submit]`)),
		chromedp.WaitVisible(css(`main .error-page`)),
		c.shot("stale-form.png"),
	)
	assert.Equal(t, "This form is out of date", c.text(`main h1`))
	assert.Contains(t, c.text(`.topbar .nav`), "Admissions", "the normal layout")
	c.do("back to the form",
		chromedp.Click(css(`main .error-page a.btn`)),
		chromedp.WaitVisible(css(`#f-first-name`)),
		chromedp.Poll[chromedp.Void](`document.getElementById("f-first-name").value === "Baraka"`),
	)
	assert.EqualValues(t, 1, applications(), "nothing more was sent")
	assert.Empty(t, withoutStatus(withoutStatus(c.consoleErrors(), 401), 403), "browser console errors besides the 401 sign-in and the 403 stale form")
}

// focusRing describes the focused element and its focus ring: the ring's style, width,
// and its contrast with what is around it (the background of the parent for a ring drawn
// outside the element, the element's own for one drawn inside), backgrounds composited
// up to the page. Elements seen before are marked, so a walk knows when it has gone round.
const focusRing = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return JSON.stringify({end: true});
  if (el.dataset.focusSeen) return JSON.stringify({end: true});
  el.dataset.focusSeen = "1";
  const rgba = s => { const m = s.match(/rgba?\(([^)]+)\)/); if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const background = start => {
    const layers = [];
    for (let n = start; n; n = n.parentElement) {
      const c = rgba(getComputedStyle(n).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let out = {r: 255, g: 255, b: 255};
    for (let i = layers.length - 1; i >= 0; i--) { const c = layers[i];
      out = {r: c.r * c.a + out.r * (1 - c.a), g: c.g * c.a + out.g * (1 - c.a), b: c.b * c.a + out.b * (1 - c.a)}; }
    return out;
  };
  const cs = getComputedStyle(el), offset = parseFloat(cs.outlineOffset) || 0;
  const ring = rgba(cs.outlineColor), around = background(offset >= 0 ? el.parentElement : el);
  const a = lum(ring), b = lum(around);
  return JSON.stringify({what: el.tagName.toLowerCase() + " " + (el.textContent || el.name || el.id || "").trim().replace(/\s+/g, " ").slice(0, 40),
    style: cs.outlineStyle, width: parseFloat(cs.outlineWidth), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)});
})()`

// TestFocusRingContrast: pressing Tab through the pages (links of the top bar, buttons,
// inputs, links and buttons in table rows, tabs), on a laptop and on a phone with the
// menu open, every focused element shows a solid ring at least 2 px wide with at least
// 3:1 contrast against the background around it.
func TestFocusRingContrast(t *testing.T) {
	c := startChrome(t)
	s := startServer(t)
	s.school(t, "demo", "Demo Secondary School")
	y := s.seedYear(t, "demo")
	s.student(t, "demo", "Wanjiru", "Otieno", y.Class1A.ID, "Mama Otieno")
	s.withSchool(t, "demo", func(ctx context.Context, tn *db.Tenant) {
		_, err := students.New(tn).CreateAdmission(ctx, students.AdmissionInput{FirstName: "Ann", LastName: "Otieno", Gender: "female", Form: y.Form1.ID}, auth.Meta{})
		require.NoError(t, err)
	})
	base := s.url("demo.localhost", "")
	platform := s.url("localhost", "")

	type ring struct {
		End   bool
		What  string
		Style string
		Width float64
		Ratio float64
	}
	walk := func(where string) int {
		n := 0
		for range 150 {
			c.do("tab", chromedp.KeyEvent(kb.Tab))
			var r ring
			require.NoError(t, json.Unmarshal([]byte(c.str(focusRing)), &r))
			if r.End {
				break
			}
			n++
			assert.Equal(t, "solid", r.Style, "%s: %s has no focus ring", where, r.What)
			assert.GreaterOrEqual(t, r.Width, 2.0, "%s: %s", where, r.What)
			assert.GreaterOrEqual(t, r.Ratio, 3.0, "%s: the focus ring of %s", where, r.What)
		}
		return n
	}
	pages := []string{"/", "/users", "/students", "/students/new", "/admissions", "/academics/sessions", "/academics/classes"}

	c.do("window", desktop(1280))
	c.signIn(base, "admin@demo.localhost", adminPass)
	for _, p := range pages {
		c.do("open "+p, chromedp.Navigate(base+p), chromedp.WaitVisible(css(`main h1`)))
		assert.Greater(t, walk("1280 px "+p), 5, p)
	}
	c.do("focus on the students list", chromedp.Navigate(base+"/students"), chromedp.WaitVisible(css(`main h1`)),
		chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Tab),
		c.shot("focus-ring-topbar.png"),
		chromedp.Focus(css(`.page-head .btn-primary`)), c.shot("focus-ring-button.png"))
	c.do("phone", phone())
	for _, p := range pages {
		c.do("open "+p, chromedp.Navigate(base+p), chromedp.WaitVisible(css(`main h1`)),
			chromedp.Click(css(`.menu-button`)), chromedp.WaitVisible(css(`.menu-nav a`)),
			chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`))
		assert.Greater(t, walk("390 px "+p), 5, p)
	}
	c.do("window", desktop(1280))
	c.signIn(platform, platformEmail, platformPass)
	for _, p := range []string{"/", "/schools/demo", "/schools/new"} {
		c.do("open "+p, chromedp.Navigate(platform+p), chromedp.WaitVisible(css(`main h1`)))
		assert.Greater(t, walk("platform "+p), 3, p)
	}
}
