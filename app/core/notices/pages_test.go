package notices

import (
	"testing"

	"github.com/schoolsms/sms/app/web"
	"github.com/schoolsms/sms/app/web/pagetest"
)

// TestPagesRender renders the notices pages with the data their handlers give them.
func TestPagesRender(t *testing.T) {
	form, formName, until, class, className := int64(1), "Form <1>", "2026-03-20", int64(2), "1A <b>"
	list := []Notice{
		{ID: 1, Title: "Fees <due>", Body: "Line one\nLine <two>", Audience: All, PublishFrom: "2026-03-01", Pinned: true, Current: true},
		{ID: 2, Title: "Trip", Body: "Museum", Audience: Form, FormID: &form, FormName: &formName, PublishFrom: "2026-03-10", PublishUntil: &until},
		{ID: 3, Title: "Old", Body: "Gone", Audience: Class, ClassID: &class, ClassName: &className, PublishFrom: "2026-01-01", PublishUntil: &until},
	}
	opts := []web.Option{{Value: "1", Label: "Form <1>", Group: "Form 1"}}
	pagetest.Cover(t, Module().Pages.Templates, map[string][]any{
		"notices": {listData{Notices: list, Today: "2026-03-04", CanWrite: true}, listData{Today: "2026-03-04"},
			listData{Notices: list, Today: "2026-03-04"}},
		"notice_form": {formData{Forms: opts, Classes: web.Grouped(opts), Audience: opts},
			formData{Notice: &list[1], Forms: opts, Audience: opts}},
	})
}
