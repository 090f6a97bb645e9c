package studentimport

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/sheet"
	"github.com/schoolsms/sms/app/tenancy"
	"github.com/schoolsms/sms/app/web"
)

// The import page checks a spreadsheet first (a dry run that writes nothing) and shows
// every problem with its row and column; a clean file is then imported with one more
// click. The uploaded file is kept on the server between the two (keep.go): the check
// redirects to its own address (/students/import?upload=<id>), which checks the kept
// file again when reloaded, after a class was made bigger for instance.

// maxImportBytes bounds an upload: twenty thousand rows of CSV fit many times over.
const maxImportBytes = 8 << 20

type importData struct {
	Columns []string
	Checked bool // a file was checked
	Result  Result
	// Upload is the id of the kept file the page checked; FileName its name.
	Upload, FileName string
	Problems         []problemView
	Created          int
	Updated          int
	Total            int // rows a checked file would import
	Done             bool
}

// problemView is a problem as the page lists it, with a link to correct what it names
// when it is not in the file (a class too small).
type problemView struct {
	Problem
	Link, LinkText string
}

// importForm shows the upload form; with ?upload= the check of a kept file; after an
// import the counts.
func (h pages) importForm(c *fiber.Ctx) error {
	v := h.View(c, "Import students", "students")
	d := importData{Columns: Columns}
	if c.Query("done") == "imported" {
		d.Done = true
		d.Created, _ = strconv.Atoi(c.Query("created"))
		d.Updated, _ = strconv.Atoi(c.Query("updated"))
		v.Flash = fmt.Sprintf("Import finished: %s created, %s updated.", web.Count(d.Created, "student"), web.Count(d.Updated, "student"))
	}
	if id := c.Query("upload"); id != "" {
		return h.check(c, v, id, true)
	}
	v.Data = d
	return h.Render(c, fiber.StatusOK, "student_import", v)
}

// readUpload reads the file field of the form.
func readUpload(c *fiber.Ctx) (name string, body []byte, err error) {
	fh, err := c.FormFile("file")
	if err != nil {
		return "", nil, errs.Field("file", "Choose a CSV or Excel (.xlsx) file")
	}
	if fh.Size > maxImportBytes {
		return "", nil, errs.Field("file", fmt.Sprintf("The file is larger than %d MB; split it into smaller files", maxImportBytes>>20))
	}
	f, err := fh.Open()
	if err != nil {
		return "", nil, errs.Wrap(err, "open upload")
	}
	defer f.Close()
	if body, err = io.ReadAll(io.LimitReader(f, maxImportBytes+1)); err != nil {
		return "", nil, errs.Wrap(err, "read upload")
	}
	name = filepath.Base(fh.Filename)
	switch ext := strings.ToLower(filepath.Ext(name)); {
	case len(bytes.TrimSpace(body)) == 0:
		return "", nil, errs.Field("file", "The file is empty")
	case len(body) > maxImportBytes:
		return "", nil, errs.Field("file", fmt.Sprintf("The file is larger than %d MB; split it into smaller files", maxImportBytes>>20))
	case ext != "" && ext != ".csv" && ext != ".xlsx" && ext != ".txt":
		return "", nil, errs.Field("file", "Choose a CSV or Excel (.xlsx) file; save older .xls files as .xlsx first")
	}
	return name, body, nil
}

// formFailed shows the upload form with the error at the file field.
func (h pages) formFailed(c *fiber.Ctx, v *web.View, err error) error {
	status, ierr := web.FormError(v, err)
	if ierr != nil {
		return ierr
	}
	v.Data = importData{Columns: Columns}
	return h.Render(c, status, "student_import", v)
}

func userID(c *fiber.Ctx) int64 {
	if p := auth.PrincipalOf(c); p != nil {
		return p.UserID
	}
	return 0
}

// importRun keeps an uploaded file and shows its check (action=check), or imports a
// kept file (action=import, upload=<id>): a clean import goes to the counts, one that
// finds problems writes nothing and shows them.
func (h pages) importRun(c *fiber.Ctx) error {
	v := h.View(c, "Import students", "students")
	schema := tenancy.From(c).Info.Schema
	if c.FormValue("action") == "import" {
		return h.check(c, v, c.FormValue("upload"), false)
	}
	name, body, err := readUpload(c)
	if err != nil {
		return h.formFailed(c, v, err)
	}
	id, err := keep(schema, userID(c), name, body)
	if err != nil {
		return err
	}
	return web.Redirect(c, v.Prefix+"/students/import?upload="+id)
}

// checkKept parses and checks (or imports) the kept upload id.
func checkKept(c *fiber.Ctx, id string, dry bool) (name string, res Result, err error) {
	name, body, err := kept(tenancy.From(c).Info.Schema, userID(c), id)
	if err != nil {
		return "", Result{}, err
	}
	rows, problems, err := ParseFile(name, body)
	if err != nil {
		return "", Result{}, errs.Field("file", "The file cannot be read as CSV or Excel: "+err.Error())
	}
	res, err = New(web.Tenant(c)).ImportFile(c.UserContext(), rows, problems, dry, auth.MetaFrom(c))
	return name, res, err
}

// check shows the check of a kept upload, or imports it.
func (h pages) check(c *fiber.Ctx, v *web.View, id string, dry bool) error {
	name, res, err := checkKept(c, id, dry)
	if err != nil {
		return h.formFailed(c, v, err)
	}
	if !dry && len(res.Errors) == 0 {
		forget(tenancy.From(c).Info.Schema, id)
		return web.Redirect(c, fmt.Sprintf("%s/students/import?done=imported&created=%d&updated=%d", v.Prefix, res.Created, res.Updated))
	}
	d := importData{Columns: Columns, Checked: true, Result: res, FileName: name, Upload: id, Total: res.Created + res.Updated}
	for _, p := range res.Errors {
		pv := problemView{Problem: p}
		if p.ClassID != 0 && auth.Allowed(v.User, academics.Write) {
			pv.Link, pv.LinkText = v.Prefix+"/academics/classes/"+web.ID(p.ClassID), "Edit the class"
		}
		d.Problems = append(d.Problems, pv)
	}
	status := fiber.StatusOK // a check worked: its answer is the list of problems
	if !dry {
		status = fiber.StatusUnprocessableEntity
	}
	v.Data = d
	return h.Render(c, status, "student_import", v)
}

// problemsCSV is the problems of a kept upload as a CSV file, to work through in a
// spreadsheet.
func (h pages) problemsCSV(c *fiber.Ctx) error {
	name, res, err := checkKept(c, c.Query("upload"), true)
	if err != nil {
		return h.Fail(c, err)
	}
	rows := func(yield func([]string) bool) {
		for _, p := range res.Errors {
			row := ""
			if p.Row > 0 {
				row = strconv.Itoa(p.Row)
			}
			if !yield([]string{row, p.Column, p.Message}) {
				return
			}
		}
	}
	var buf bytes.Buffer
	if err := sheet.WriteCSV(&buf, []string{"row", "column", "problem"}, rows); err != nil {
		return errs.Wrap(err, "problems")
	}
	base := strings.TrimSuffix(name, filepath.Ext(name))
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+url.PathEscape(base)+`-problems.csv"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Type("csv", "utf-8")
	return c.Send(buf.Bytes())
}

// template is an empty spreadsheet with the import's columns, as CSV or .xlsx.
func (h pages) template(c *fiber.Ctx) error {
	var buf bytes.Buffer
	c.Set(fiber.HeaderCacheControl, "no-store")
	switch c.Params("format") {
	case "csv":
		if err := students.WriteCSV(&buf, nil); err != nil {
			return errs.Wrap(err, "template")
		}
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="students-template.csv"`)
		c.Type("csv", "utf-8")
	case "xlsx":
		if err := students.WriteXLSX(&buf, nil); err != nil {
			return errs.Wrap(err, "template")
		}
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="students-template.xlsx"`)
		c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	default:
		return h.Fail(c, errs.E(errs.NotFound, "there is no such template"))
	}
	return c.Send(buf.Bytes())
}
