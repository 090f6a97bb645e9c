package studentimport

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/tenancy"
)

// Routes registers POST /api/core/students/import/ (admins and clerks).
func Routes(r fiber.Router) {
	r.Post("/api/core/students/import", auth.Require(students.Write), handle)
}

// ParseFile reads an upload as .xlsx when its name or its first bytes say so, else as CSV.
func ParseFile(name string, body []byte) ([]Row, []Problem, error) {
	if strings.EqualFold(filepath.Ext(name), ".xlsx") || bytes.HasPrefix(body, []byte("PK\x03\x04")) {
		return ParseXLSX(bytes.NewReader(body))
	}
	return ParseCSV(bytes.NewReader(body))
}

func handle(c *fiber.Ctx) error {
	dry := false
	switch v := strings.ToLower(c.Query("dry_run")); v {
	case "", "false", "0", "no":
	case "true", "1", "yes":
		dry = true
	default:
		return errs.Field("dry_run", "must be true or false")
	}
	var name string
	var body []byte
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
		fh, err := c.FormFile("file")
		if err != nil {
			return errs.Field("file", "attach the CSV or .xlsx file as the form field \"file\"")
		}
		f, err := fh.Open()
		if err != nil {
			return errs.Wrap(err, "open upload")
		}
		defer f.Close()
		if body, err = io.ReadAll(f); err != nil {
			return errs.Wrap(err, "read upload")
		}
		name = fh.Filename
	} else {
		body = c.Body()
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return errs.Field("file", "the file is empty; send CSV (text/csv) or a multipart upload named \"file\"")
	}
	rows, problems, err := ParseFile(name, body)
	if err != nil {
		return errs.Wrap(err, "parse import")
	}
	res := Result{DryRun: dry, Errors: problems}
	if len(problems) == 0 {
		if res, err = New(tenancy.From(c).Tenant).Import(c.UserContext(), rows, dry, auth.MetaFrom(c)); err != nil {
			return err
		}
	}
	status := fiber.StatusOK
	if len(res.Errors) > 0 {
		status = fiber.StatusBadRequest
	}
	return c.Status(status).JSON(res)
}

// OpenAPI describes the import endpoint.
func OpenAPI(d *api.Doc) {
	d.Add("/api/core/students/import", map[string]api.Op{
		"post": {Summary: "Import students from CSV (text/csv body) or a multipart upload \"file\" (CSV or .xlsx); " +
			"any error writes nothing (400 with the problems by row and column); dry_run=true only checks", Tag: "students",
			Query: []string{"dry_run"}, Response: Result{},
			BodyContent: map[string]any{
				"text/csv": map[string]any{"schema": map[string]any{"type": "string"}},
				"multipart/form-data": map[string]any{"schema": map[string]any{"type": "object", "required": []string{"file"},
					"properties": map[string]any{"file": map[string]any{"type": "string", "format": "binary"}}}}}}})
}
