package etl

// SetWindow makes the reordering window of r n frames, so that tests reach
// the steady state of a long capture with a short file.
func SetWindow(r *Reader, n int) { r.window = n }

// SlabBytes returns the storage of r's slabs (slab.go), and how many
// slabs it evacuated.
func SlabBytes(r *Reader) (bytes, evacuated int) { return r.slabs.bytes, r.slabs.evacuated }
