package query

import (
	"strings"
	"unicode"
)

// Where collects the conditions of a list query, joined with AND. Conditions are SQL
// written by the module itself; values always travel as arguments.
type Where struct {
	conds []string
	args  []any
}

// Add adds a condition with its arguments.
func (w *Where) Add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// And adds every condition of o.
func (w *Where) And(o Where) {
	w.conds = append(w.conds, o.conds...)
	w.args = append(w.args, o.args...)
}

// MaxSearchWords bounds the words of one search; later words are ignored.
const MaxSearchWords = 10

// Search is the one search behaviour of every list: each word of text must be found,
// ignoring case, inside one of cols (different words may match different columns), with
// LIKE's wildcards in a word taken literally. Blank text adds nothing.
func (w *Where) Search(text string, cols ...string) {
	for _, word := range Words(text) {
		pat := "%" + LikeEscape(word) + "%"
		ors := make([]string, len(cols))
		args := make([]any, len(cols))
		for i, c := range cols {
			ors[i] = c + ` LIKE ? ESCAPE '\'`
			args[i] = pat
		}
		w.Add("("+strings.Join(ors, " OR ")+")", args...)
	}
}

// Words are the words of a search, at most MaxSearchWords.
func Words(text string) []string {
	// Control characters separate words too: no stored text has them, and SQLite ends a
	// pattern at a NUL, which would turn a search for "\x00" into one for everything.
	// Bytes that are not UTF-8 become U+FFFD, which no name holds: SQLite would read
	// them leniently ("\xfb\x9c" as "Ü") and find rows the words do not name.
	text = strings.ToValidUTF8(text, "\uFFFD")
	words := strings.FieldsFunc(text, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
	if len(words) > MaxSearchWords {
		words = words[:MaxSearchWords]
	}
	return words
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// LikeEscape makes s match itself in a LIKE pattern with ESCAPE '\'.
func LikeEscape(s string) string { return likeEscaper.Replace(s) }

// Len is the number of conditions.
func (w Where) Len() int { return len(w.conds) }

// Expr is the conditions joined with AND ("1" when there are none), for use inside a
// larger condition; Args go with it.
func (w Where) Expr() string {
	if len(w.conds) == 0 {
		return "1"
	}
	return strings.Join(w.conds, " AND ")
}

// SQL is the WHERE clause with a leading space, or "" when there are no conditions.
func (w Where) SQL() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + w.Expr()
}

// Args are the arguments of the conditions, in order. Appending to them never changes w.
func (w Where) Args() []any { return w.args[:len(w.args):len(w.args)] }
