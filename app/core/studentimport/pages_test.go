package studentimport

import (
	"testing"

	"github.com/schoolsms/sms/app/web/pagetest"
)

// TestPagesRender renders the import page: a file with problems, a clean check, and the
// counts after an import.
func TestPagesRender(t *testing.T) {
	pagetest.Cover(t, Module().Pages.Templates, map[string][]any{
		"student_import": {
			importData{Columns: Columns, Checked: true, FileName: "list.csv",
				Result: Result{Errors: []Problem{{Row: 2, Column: "gender", Message: "must be male <or> female"}}}},
			importData{Columns: Columns, Checked: true, FileName: "a.csv", File: "YQ==", Total: 2, Result: Result{Created: 1, Updated: 1}},
			importData{Done: true, Created: 3}},
	})
}
