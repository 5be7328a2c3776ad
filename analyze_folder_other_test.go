//go:build !unix

package main

import "testing"

// checkBadFolderUnprivileged: only Unix root reads files whatever their
// mode, and only there is the check run again as another user.
func checkBadFolderUnprivileged(t *testing.T, dir string) {}
