package notices

import (
	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/api/handler"
	"github.com/schoolsms/sms/app/auth"
)

// Routes registers the notices API on a school's routes.
func Routes(r fiber.Router) {
	read, write := auth.Require(Read), auth.Require(Write)
	r.Get("/api/core/notices", read, handler.List(New, filter, Service.List))
	r.Post("/api/core/notices", write, handler.Create(New, Service.Create))
	r.Get("/api/core/notices/:id", read, handler.Get(New, Service.Notice))
	r.Patch("/api/core/notices/:id", write, handler.Update(New, Service.Update))
	r.Delete("/api/core/notices/:id", write, handler.Remove(New, Service.Delete))
}

func filter(q *handler.Query) Filter {
	return Filter{Search: q.String("search"), Audience: q.String("audience"), Current: q.Bool("current"),
		Pinned: q.Bool("pinned"), ForStudent: q.ID("audience_for_student"), Order: q.Order(Ordering)}
}

// OpenAPI describes the notices endpoints.
func OpenAPI(d *api.Doc) {
	const tag = "notices"
	d.Add("/api/core/notices/", map[string]api.Op{
		"get": {Summary: "List notices (paged; pinned first, newest first). ?current=true: shown today; " +
			"?audience_for_student=ID: what that student's guardians see today (everyone, their form, their class)",
			Tag: tag, Ordering: &Ordering,
			Query:    []string{"page", "page_size", "ordering", "search", "audience", "current", "pinned", "audience_for_student"},
			Response: api.List[Notice]{}},
		"post": {Summary: "Create a notice (admin): title, plain-text body (newlines kept), audience all, form (with form) " +
			"or class (with class), publish_from (default today) and publish_until, pinned. One visible today writes a " +
			"notice.published event", Tag: tag, Status: 201, Body: NoticeInput{}, Response: Notice{}},
	})
	d.Add("/api/core/notices/{id}/", map[string]api.Op{
		"get":    {Summary: "One notice", Tag: tag, Response: Notice{}},
		"patch":  {Summary: "Change a notice (admin; only the fields sent)", Tag: tag, Body: NoticePatch{}, Response: Notice{}},
		"delete": {Summary: "Delete a notice (admin)", Tag: tag, Status: 204},
	})
}
