package db

import (
	"errors"
	"fmt"
	"reflect"

	"modernc.org/libc"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Every SQLite connection of this program runs with the query planner stability
// guarantee (QPSG): a prepared statement's plan never depends on the values bound to it.
//
// Without it SQLite marks a statement to be prepared again whenever a parameter it
// looked at while planning is bound anew, and its planner looks at the value of every
// "column = ?" it weighs as a filter (it guesses 0, 1 and -1 to be less selective).
// In a query of two tables or more that is nearly every such parameter, so most of this
// program's join queries were parsed and planned again on every run: a quarter to a
// third of their cost, a tenth of the CPU of a busy school. The plans the guarantee
// forgoes (a LIKE pattern's prefix bound to an index, statistics of bound values) are
// ones this program does not use: its LIKE patterns start with a wildcard and its
// files carry no statistics.
func init() {
	sqlite.RegisterConnectionHook(func(c sqlite.ExecQuerierContext, _ string) error {
		on, err := dbConfig(c, sqlite3.SQLITE_DBCONFIG_ENABLE_QPSG, 1)
		if err != nil {
			return err
		}
		if !on {
			return errors.New("sqlite: the query planner stability guarantee did not turn on")
		}
		return nil
	})
}

// dbConfig calls sqlite3_db_config(db, op, onoff, &res) on a connection of the driver
// for a boolean option and returns the option's state after the call (onoff -1 only
// reads it). The driver has no method for it (see rawHandle).
func dbConfig(c any, op, onoff int32) (bool, error) {
	db, tls, err := rawHandle(c)
	if err != nil {
		return false, err
	}
	// The variadic arguments, an int and a pointer to an int for the result, each in an
	// 8-byte slot of libc's va_list, and the result itself: all in the connection's C
	// stack, because the C code may not hold a pointer into the Go heap (the race
	// detector's pointer checks stop the program if it does).
	const slot = 8
	bp := tls.Alloc(3 * slot)
	defer tls.Free(3 * slot)
	res := bp + 2*slot
	libc.AtomicStorePInt32(res, -1)
	rc := sqlite3.Xsqlite3_db_config(tls, db, op, libc.VaList(bp, onoff, res))
	if rc != sqlite3.SQLITE_OK {
		return false, fmt.Errorf("sqlite: sqlite3_db_config(%d) returned %d", op, rc)
	}
	return libc.AtomicLoadPInt32(res) == 1, nil
}

// rawHandle returns the sqlite3 handle of a connection of the driver and the C thread
// state its calls run with. The driver has no method for them, so they are read from its
// own fields; TestConnectionsHaveStablePlans fails if those change.
func rawHandle(c any) (db uintptr, tls *libc.TLS, err error) {
	v := reflect.ValueOf(c)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return 0, nil, fmt.Errorf("sqlite: unexpected connection type %T", c)
	}
	dbField, tlsField := v.Elem().FieldByName("db"), v.Elem().FieldByName("tls")
	if dbField.Kind() != reflect.Uintptr || tlsField.Type() != reflect.TypeFor[*libc.TLS]() {
		return 0, nil, fmt.Errorf("sqlite: connection type %T has no db handle this program knows", c)
	}
	db, tls = uintptr(dbField.Uint()), (*libc.TLS)(tlsField.UnsafePointer())
	if db == 0 || tls == nil {
		return 0, nil, errors.New("sqlite: connection is closed")
	}
	return db, tls, nil
}
