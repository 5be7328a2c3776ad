package etl

// SetWindow makes the reordering window of r n frames, so that tests reach
// the steady state of a long capture with a short file.
func SetWindow(r *Reader, n int) { r.window = n }
