package query

import (
	"errors"
	"strings"

	"github.com/schoolsms/sms/app/errs"
)

// SQLite's extended result codes of constraint failures (the driver turns extended
// codes on). Whether a write broke a constraint is decided by these, never by the
// message, whose wording SQLite may change.
const (
	sqliteConstraintUnique     = 2067 // SQLITE_CONSTRAINT_UNIQUE
	sqliteConstraintPrimaryKey = 1555 // SQLITE_CONSTRAINT_PRIMARYKEY
	sqliteConstraintForeignKey = 787  // SQLITE_CONSTRAINT_FOREIGNKEY
)

func sqliteCode(err error) int {
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		return coded.Code()
	}
	return 0
}

// IsUnique reports whether err is a UNIQUE or PRIMARY KEY constraint failure.
func IsUnique(err error) bool {
	c := sqliteCode(err)
	return c == sqliteConstraintUnique || c == sqliteConstraintPrimaryKey
}

// IsForeignKey reports whether err is a FOREIGN KEY constraint failure.
func IsForeignKey(err error) bool { return sqliteCode(err) == sqliteConstraintForeignKey }

// Conflict is what a module tells a client whose write would duplicate a unique value.
type Conflict struct {
	Field   string // the input field that holds the value
	Message string
}

// Conflicts maps the columns of a UNIQUE constraint, as SQLite names them
// ("classes.session_id, classes.name"), to the conflict to report.
type Conflicts map[string]Conflict

// Check turns a constraint failure into a Conflict error (409): a unique failure names
// the field of its constraint (or no field, for a constraint not in c), a foreign key
// failure says other records still refer to the row. Other errors pass unchanged.
func (c Conflicts) Check(err error) error {
	switch {
	case err == nil:
		return nil
	case IsUnique(err):
		// The code says that it is a unique failure; only the message says which one.
		msg := err.Error()
		if i := strings.LastIndex(msg, "constraint failed: "); i >= 0 {
			cols := msg[i+len("constraint failed: "):]
			for key, cf := range c {
				if strings.HasPrefix(cols, key) {
					return &errs.Error{Code: errs.Conflict, Message: cf.Message, Fields: map[string]string{cf.Field: cf.Message}}
				}
			}
		}
		return errs.E(errs.Conflict, "this would duplicate an existing record")
	case IsForeignKey(err):
		return errs.E(errs.Conflict, "other records still refer to this one")
	}
	return err
}
