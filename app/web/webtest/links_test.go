package webtest

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/demo"
	"github.com/schoolsms/sms/db"
)

// TestEveryLinkOpens follows every link of the office's pages, as an admin and as a
// teacher, in a school in full use (the demo seed), and checks that each opens: a page,
// a download, or a redirect that is not to the sign-in. A link must carry what the page
// chose (the results page's CSV of the class and term it shows, not its query
// escaped whole), a page shows dates in the school's format (the default, DD/MM/YYYY),
// and a teacher must
// not be shown a link to what they may not open.
func TestEveryLinkOpens(t *testing.T) {
	// Wednesday 4 March 2026, 10:00 in Nairobi: a school day in the demo's first term.
	at := time.Date(2026, 3, 4, 7, 0, 0, 0, time.UTC)
	s := startServerAt(t, at)
	s.school(t, "demo", "Demo Secondary School")
	s.withSchool(t, "demo", func(ctx context.Context, tn *db.Tenant) {
		_, err := demo.Seed(ctx, tn, demo.Options{Today: at, StudentsPerForm: 8}, auth.Meta{})
		require.NoError(t, err)
	})
	var teacher string
	for _, u := range s.users(t, "demo") {
		if u.Role == auth.RoleTeacher {
			teacher = u.Email
			break
		}
	}
	require.NotEmpty(t, teacher)
	base := s.url("demo.localhost", "")

	for _, who := range []struct{ email, pw string }{{"admin@demo.localhost", adminPass}, {teacher, demo.Password}} {
		t.Run(who.email, func(t *testing.T) {
			b := s.browser(t)
			b.login(base, who.email, who.pw)
			n := crawl(t, b, base)
			t.Logf("%d links opened", n)
			assert.Greater(t, n, 40, "the crawl reached the pages")
		})
	}
}

var (
	linkHrefRe = regexp.MustCompile(`href="(/[^"#]*)"`)
	digitsRe   = regexp.MustCompile(`[0-9]+`)
	// what a page shows: its text outside tags, scripts, form fields and the texts
	// people wrote (class "pre": notices, notes), which are theirs to word
	hiddenRe  = regexp.MustCompile(`(?s)<script.*?</script>|<textarea.*?</textarea>|<select.*?</select>|<[^>]*class="[^"]*\bpre\b[^"]*"[^>]*>.*?</|<[^>]+>`)
	isoDateRe = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b[^ <]{0,20}`)
)

// isoDateShown is the first date a page shows as it is stored (2026-03-04) rather
// than in the school's date format, or "". The settings page (its format examples), the
// import page (the date forms a file may use) and the audit log (values as recorded)
// show stored forms on purpose.
func isoDateShown(link, body string) string {
	for _, p := range []string{"/settings", "/students/import", "/audit"} {
		if strings.HasPrefix(link, p) {
			return ""
		}
	}
	text := hiddenRe.ReplaceAllString(body, " ")
	return isoDateRe.FindString(text)
}

// crawl opens every link reachable from base+"/" (at most two of each shape: the same
// link with other ids) and fails the test for each that does not open. It returns how
// many it opened.
func crawl(t *testing.T, b *browser, base string) int {
	t.Helper()
	seen := map[string]bool{}
	shapes := map[string]int{}
	queue := []string{"/"}
	from := map[string]string{}
	for len(queue) > 0 {
		link := queue[0]
		queue = queue[1:]
		p := b.get(base + link)
		switch {
		case p.Status == http.StatusOK:
		case p.Status >= 300 && p.Status < 400 && !strings.Contains(p.Location(), "/login"):
			continue
		default:
			t.Errorf("%s (a link on %s): %d %s", link, from[link], p.Status, p.Location())
			continue
		}
		if !strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
			continue
		}
		if d := isoDateShown(link, p.Body); d != "" {
			t.Errorf("%s shows a date as stored, not in the school's format: %q", link, d)
		}
		for _, m := range linkHrefRe.FindAllStringSubmatch(p.Body, -1) {
			next := html.UnescapeString(m[1])
			if l := strings.ToLower(next); strings.Contains(l, "%3d") || strings.Contains(l, "%26") {
				// "=" or "&" escaped: a query put in a link as text, which the server
				// reads as one parameter with no value.
				t.Errorf("%s (a link on %s) has its query escaped whole", next, link)
			}
			if strings.HasPrefix(next, "/static/") || seen[next] {
				continue
			}
			seen[next] = true
			shape := digitsRe.ReplaceAllString(next, "N")
			if shapes[shape] >= 2 {
				continue
			}
			shapes[shape]++
			from[next] = link
			queue = append(queue, next)
		}
	}
	return len(from) + 1
}
