package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
)

// interruptible returns a context that SIGINT (Ctrl-C) or SIGTERM (what a
// service manager, a timeout or kill sends) cancels, with the signal as
// its cause, and the function that stops catching them. Either signal
// stops the batch; what finished is still reported, marked incomplete.
func interruptible() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	stopped := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			name := "SIGTERM"
			if sig == os.Interrupt {
				name = "SIGINT"
			}
			cancel(errors.New("interrupted by " + name))
		case <-stopped:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(stopped)
		cancel(nil)
	}
}

// interruption is why ctx stopped the run, or "" when it did not.
func interruption(ctx context.Context) string {
	if ctx.Err() == nil {
		return ""
	}
	if c := context.Cause(ctx); c != nil && !errors.Is(c, context.Canceled) {
		return c.Error()
	}
	return "interrupted"
}
