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
			importData{Columns: Columns, Checked: true, FileName: "list.csv", Upload: "0123456789abcdef0123456789abcdef",
				Result: Result{Errors: []Problem{{Row: 2, Column: "gender", Message: "must be male <or> female"}}},
				Problems: []problemView{{Problem: Problem{Row: 2, Column: "gender", Message: "must be male <or> female"}},
					{Problem: Problem{Column: "class", Message: "2A: 3 more places needed; it holds 40", ClassID: 4},
						Link: "/t/demo/academics/classes/4", LinkText: "Edit the class"}}},
			importData{Columns: Columns, Checked: true, FileName: "a.csv", Upload: "0123456789abcdef0123456789abcdef", Total: 2,
				Result: Result{Created: 1, Updated: 1}},
			importData{Done: true, Created: 3}},
	})
}
