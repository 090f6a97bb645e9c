package studentimport

// SetAfterCheck runs fn between an import's check and its write transaction, until the
// returned function is called.
func SetAfterCheck(fn func()) (restore func()) {
	afterCheck = fn
	return func() { afterCheck = nil }
}
