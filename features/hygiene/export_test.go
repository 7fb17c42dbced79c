package hygiene

// SetMinCheckPart sets minCheckPart for a test and returns what restores
// it.
func SetMinCheckPart(n int) (restore func()) {
	old := minCheckPart
	minCheckPart = n
	return func() { minCheckPart = old }
}
