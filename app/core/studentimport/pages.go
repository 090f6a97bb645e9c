package studentimport

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/web"
)

// The import page checks a spreadsheet first (a dry run that writes nothing) and shows
// every problem with its row and column; a clean file is then imported with one more
// click. The checked file travels back in the page, so nothing is kept on the server
// between the two steps.

// maxImportBytes bounds an upload: twenty thousand rows of CSV fit many times over.
const maxImportBytes = 8 << 20

type importData struct {
	Columns []string
	Checked bool // a file was checked
	Result  Result
	// File and FileName carry the checked file to the Import button.
	File, FileName string
	Created        int
	Updated        int
	Total          int // rows a checked file would import
	Done           bool
}

// importForm shows the upload form, or after an import the counts.
func (h pages) importForm(c *fiber.Ctx) error {
	v := h.View(c, "Import students", "students")
	d := importData{Columns: Columns}
	if c.Query("done") == "imported" {
		d.Done = true
		d.Created, _ = strconv.Atoi(c.Query("created"))
		d.Updated, _ = strconv.Atoi(c.Query("updated"))
		v.Flash = fmt.Sprintf("Import finished: %s created, %s updated.", web.Count(d.Created, "student"), web.Count(d.Updated, "student"))
	}
	v.Data = d
	return h.Render(c, fiber.StatusOK, "student_import", v)
}

// importUpload reads the file of the form: an upload (field file) or, from the Import
// button, the checked file sent back (fields file_data and file_name).
func importUpload(c *fiber.Ctx) (name string, body []byte, err error) {
	if data := c.FormValue("file_data"); data != "" {
		body, err = base64.StdEncoding.DecodeString(data)
		if err != nil {
			return "", nil, errs.Field("file", "the checked file did not come back whole; choose it again")
		}
		return filepath.Base(c.FormValue("file_name")), body, nil
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return "", nil, errs.Field("file", "choose a CSV or Excel (.xlsx) file")
	}
	if fh.Size > maxImportBytes {
		return "", nil, errs.Field("file", fmt.Sprintf("the file is larger than %d MB; split it into smaller files", maxImportBytes>>20))
	}
	f, err := fh.Open()
	if err != nil {
		return "", nil, errs.Wrap(err, "open upload")
	}
	defer f.Close()
	if body, err = io.ReadAll(io.LimitReader(f, maxImportBytes+1)); err != nil {
		return "", nil, errs.Wrap(err, "read upload")
	}
	return filepath.Base(fh.Filename), body, nil
}

// importRun checks (action=check) or imports (action=import) the file. A check shows the
// problems or what an import would do; an import that finds problems writes nothing
// and shows them; a clean import goes to the counts.
func (h pages) importRun(c *fiber.Ctx) error {
	v := h.View(c, "Import students", "students")
	d := importData{Columns: Columns}
	dry := c.FormValue("action") != "import"
	name, body, err := importUpload(c)
	if err == nil && len(bytes.TrimSpace(body)) == 0 {
		err = errs.Field("file", "the file is empty")
	}
	if err == nil && len(body) > maxImportBytes {
		err = errs.Field("file", fmt.Sprintf("the file is larger than %d MB; split it into smaller files", maxImportBytes>>20))
	}
	if err != nil {
		status, ierr := web.FormError(v, err)
		if ierr != nil {
			return ierr
		}
		v.Data = d
		return h.Render(c, status, "student_import", v)
	}
	ext := strings.ToLower(filepath.Ext(name))
	if ext != "" && ext != ".csv" && ext != ".xlsx" && ext != ".txt" {
		status, _ := web.FormError(v, errs.Field("file", "choose a CSV or Excel (.xlsx) file; older .xls files must be saved as .xlsx first"))
		v.Data = d
		return h.Render(c, status, "student_import", v)
	}
	rows, problems, err := ParseFile(name, body)
	if err != nil {
		status, ierr := web.FormError(v, errs.Field("file", "the file cannot be read as CSV or Excel: "+err.Error()))
		if ierr != nil {
			return ierr
		}
		v.Data = d
		return h.Render(c, status, "student_import", v)
	}
	res := Result{DryRun: dry, Errors: problems}
	if len(problems) == 0 {
		if res, err = New(web.Tenant(c)).Import(c.UserContext(), rows, dry, auth.MetaFrom(c)); err != nil {
			return err
		}
	}
	if !dry && len(res.Errors) == 0 {
		return web.Redirect(c, fmt.Sprintf("%s/students/import?done=imported&created=%d&updated=%d", v.Prefix, res.Created, res.Updated))
	}
	d.Checked, d.Result, d.FileName, d.Total = true, res, name, res.Created+res.Updated
	status := fiber.StatusOK
	if len(res.Errors) > 0 {
		status = fiber.StatusUnprocessableEntity
		if dry {
			status = fiber.StatusOK // the check itself worked: its answer is the list of problems
		}
	} else {
		d.File = base64.StdEncoding.EncodeToString(body)
	}
	v.Data = d
	return h.Render(c, status, "student_import", v)
}
