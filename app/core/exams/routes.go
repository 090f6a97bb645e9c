package exams

import (
	"context"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/api/handler"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
)

// Routes registers the module's JSON endpoints on a school's routes, with services made
// by newS (New, or NewWith the sources the appliance has):
//
//	/api/core/assessments/ (CRUD), /api/core/assessments/{id}/scores/ (GET, PUT)
//	/api/core/grading-scales/ (CRUD)
//	/api/core/results/, /api/core/results/broadsheet/, /api/core/results/settings/
//	/api/core/report-cards/ (a class's cards and workflow), .../pdf, .../workflow,
//	.../comment-bank, /api/core/report-cards/{student}/ (card, pdf, comments, remarks)
func Routes(newS func(*db.Tenant) Service) func(fiber.Router) {
	return func(r fiber.Router) {
		read, assess := auth.Require(Read), auth.Require(Assess)
		comment, manage := auth.Require(Comment), auth.Require(Manage)

		r.Get("/api/core/assessments", read, handler.ListAs(newS, viewer, assessmentFilter, Service.ListAssessments))
		r.Post("/api/core/assessments", assess, createAs(newS, Service.CreateAssessment))
		r.Get("/api/core/assessments/:id", read, handler.GetAs(newS, viewer, Service.Assessment))
		r.Patch("/api/core/assessments/:id", assess, updateAs(newS, Service.UpdateAssessment))
		r.Delete("/api/core/assessments/:id", assess, removeAs(newS, Service.DeleteAssessment))
		r.Get("/api/core/assessments/:id/scores", read, handler.GetAs(newS, viewer, Service.MarkSheet))
		r.Put("/api/core/assessments/:id/scores", assess, updateAs(newS, saveSheet))

		r.Get("/api/core/grading-scales", read, fixedOrder("the default scale first, then name"), handler.List(newS, func(*handler.Query) ScaleFilter { return ScaleFilter{} }, Service.ListScales))
		r.Post("/api/core/grading-scales", manage, handler.Create(newS, Service.CreateScale))
		r.Get("/api/core/grading-scales/:id", read, handler.Get(newS, Service.Scale))
		r.Patch("/api/core/grading-scales/:id", manage, handler.Update(newS, Service.UpdateScale))
		r.Delete("/api/core/grading-scales/:id", manage, handler.Remove(newS, Service.DeleteScale))

		r.Get("/api/core/results/settings", read, func(c *fiber.Ctx) error {
			out, err := handler.Service(c, newS).ResultSettings(c.UserContext())
			if err != nil {
				return err
			}
			return c.JSON(out)
		})
		r.Put("/api/core/results/settings", manage, func(c *fiber.Ctx) error {
			in, err := handler.Body[ResultSettings](c)
			if err != nil {
				return err
			}
			out, err := handler.Service(c, newS).SetResultSettings(c.UserContext(), in, handler.Meta(c))
			if err != nil {
				return err
			}
			return c.JSON(out)
		})
		r.Get("/api/core/results", read, func(c *fiber.Ctx) error {
			rq, err := resultsQuery(c)
			if err != nil {
				return err
			}
			out, err := handler.Service(c, newS).Results(c.UserContext(), viewer(c), rq)
			if err != nil {
				return err
			}
			return c.JSON(out)
		})
		r.Get("/api/core/results/broadsheet", read, broadsheet(newS))

		reportCardRoutes(r, newS, read, comment, manage)
	}
}

// fixedOrder refuses ?ordering= on a list with one order.
func fixedOrder(order string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := api.FixedOrder(c, order); err != nil {
			return err
		}
		return c.Next()
	}
}

// viewer is whose eyes a request is for.
func viewer(c *fiber.Ctx) Viewer { return ViewerOf(auth.PrincipalOf(c)) }

func assessmentFilter(q *handler.Query) AssessmentFilter {
	return AssessmentFilter{TermID: q.ID("term"), ClassID: q.ID("class"), FormID: q.ID("form"), SubjectID: q.ID("subject"),
		TeacherID: q.ID("teacher"), Kind: q.String("kind"), Search: q.String("search"), Order: q.Order(AssessmentOrdering)}
}

// resultsQuery reads ?term=&class= or ?term=&form=.
func resultsQuery(c *fiber.Ctx) (ResultsQuery, error) {
	q := handler.NewQuery(c)
	rq := ResultsQuery{TermID: q.ID("term"), ClassID: q.ID("class"), FormID: q.ID("form")}
	return rq, q.Err()
}

// saveSheet is SaveMarkSheet with the body's shape: the whole sheet is required.
func saveSheet(s Service, ctx context.Context, v Viewer, id int64, in SheetInput, meta auth.Meta) (MarkSheet, error) {
	if in.Scores == nil {
		return MarkSheet{}, errs.Field("scores", "is required: the list of {student, score} rows of the sheet")
	}
	return s.SaveMarkSheet(ctx, v, id, *in.Scores, meta)
}

// createAs, updateAs and removeAs are handler.Create, Update and Remove for services
// whose writes depend on who asks (a teacher marks only their own subjects).
func createAs[In, T any](newS func(*db.Tenant) Service, create func(Service, context.Context, Viewer, In, auth.Meta) (T, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		in, err := handler.Body[In](c)
		if err != nil {
			return err
		}
		out, err := create(handler.Service(c, newS), c.UserContext(), viewer(c), in, handler.Meta(c))
		if err != nil {
			return err
		}
		return c.Status(fiber.StatusCreated).JSON(out)
	}
}

func updateAs[P, T any](newS func(*db.Tenant) Service, update func(Service, context.Context, Viewer, int64, P, auth.Meta) (T, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := handler.ID(c, "id")
		if err != nil {
			return err
		}
		p, err := handler.Body[P](c)
		if err != nil {
			return err
		}
		out, err := update(handler.Service(c, newS), c.UserContext(), viewer(c), id, p, handler.Meta(c))
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

func removeAs(newS func(*db.Tenant) Service, remove func(Service, context.Context, Viewer, int64, auth.Meta) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := handler.ID(c, "id")
		if err != nil {
			return err
		}
		if err := remove(handler.Service(c, newS), c.UserContext(), viewer(c), id, handler.Meta(c)); err != nil {
			return err
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
}

// reportCardRoutes registers /api/core/report-cards/...; fixed paths come before the
// student id pattern.
func reportCardRoutes(r fiber.Router, newS func(*db.Tenant) Service, read, comment, manage fiber.Handler) {
	classQuery := func(c *fiber.Ctx) (int64, int64, error) {
		q := handler.NewQuery(c)
		termID, classID := q.ID("term"), q.ID("class")
		f := errs.Fields{}
		if e := errs.As(q.Err()); e != nil && e.Code == errs.Invalid {
			for k, v := range e.Fields {
				f.Add(k, v)
			}
		} else if err := q.Err(); err != nil {
			return 0, 0, err
		}
		if classID == 0 && c.Query("class") == "" {
			f.Add("class", "is required (an id)")
		}
		return termID, classID, f.Err()
	}
	termQuery := func(c *fiber.Ctx) (int64, error) {
		q := handler.NewQuery(c)
		id := q.ID("term")
		return id, q.Err()
	}
	r.Get("/api/core/report-cards", read, func(c *fiber.Ctx) error {
		termID, classID, err := classQuery(c)
		if err != nil {
			return err
		}
		out, err := handler.Service(c, newS).ClassReportCards(c.UserContext(), viewer(c), termID, classID)
		if err != nil {
			return err
		}
		return c.JSON(out)
	})
	r.Get("/api/core/report-cards/pdf", read, func(c *fiber.Ctx) error {
		termID, classID, err := classQuery(c)
		if err != nil {
			return err
		}
		b, err := handler.Service(c, newS).ClassReportCardsPDF(c.UserContext(), viewer(c), termID, classID)
		if err != nil {
			return err
		}
		return sendPDF(c, fmt.Sprintf("report-cards-class-%d.pdf", classID), b)
	})
	r.Post("/api/core/report-cards/workflow", comment, func(c *fiber.Ctx) error {
		in, err := handler.Body[WorkflowInput](c)
		if err != nil {
			return err
		}
		out, err := handler.Service(c, newS).SetWorkflow(c.UserContext(), viewer(c), in, handler.Meta(c))
		if err != nil {
			return err
		}
		return c.JSON(out)
	})
	r.Get("/api/core/report-cards/comment-bank", read, func(c *fiber.Ctx) error {
		out, err := handler.Service(c, newS).CommentBank(c.UserContext())
		if err != nil {
			return err
		}
		return c.JSON(CommentBankInput{Comments: &out})
	})
	r.Put("/api/core/report-cards/comment-bank", manage, func(c *fiber.Ctx) error {
		in, err := handler.Body[CommentBankInput](c)
		if err != nil {
			return err
		}
		if in.Comments == nil {
			return errs.Field("comments", "is required: the list of {role, grade, comment}")
		}
		out, err := handler.Service(c, newS).SetCommentBank(c.UserContext(), *in.Comments, handler.Meta(c))
		if err != nil {
			return err
		}
		return c.JSON(CommentBankInput{Comments: &out})
	})
	r.Get("/api/core/report-cards/:id", read, func(c *fiber.Ctx) error {
		id, err := handler.ID(c, "id")
		if err != nil {
			return err
		}
		termID, err := termQuery(c)
		if err != nil {
			return err
		}
		out, err := handler.Service(c, newS).ReportCard(c.UserContext(), viewer(c), id, termID)
		if err != nil {
			return err
		}
		return c.JSON(out)
	})
	r.Get("/api/core/report-cards/:id/pdf", read, func(c *fiber.Ctx) error {
		id, err := handler.ID(c, "id")
		if err != nil {
			return err
		}
		termID, err := termQuery(c)
		if err != nil {
			return err
		}
		b, err := handler.Service(c, newS).ReportCardPDF(c.UserContext(), viewer(c), id, termID)
		if err != nil {
			return err
		}
		return sendPDF(c, fmt.Sprintf("report-card-%d.pdf", id), b)
	})
	r.Put("/api/core/report-cards/:id/comments", comment, updateAs(newS, Service.SetComments))
	r.Put("/api/core/report-cards/:id/remarks", comment, updateAs(newS, Service.SetRemark))
}

// CommentBankInput is the comment bank as sent and answered.
type CommentBankInput struct {
	Comments *[]BankComment `json:"comments"`
}

func sendPDF(c *fiber.Ctx, name string, b []byte) error {
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.Send(b)
}
