//go:build chaos

package chaos

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// tmpfsMB is the size of the disk-full scenario's store. The store
// refuses new work under 64 MiB free (store.Options.MinFreeBytes), so the
// file system is larger than that; the scenario fills it to under the
// floor.
const tmpfsMB = 256

// tmpfsStore mounts a tmpfs of tmpfsMB for the store, unmounted when the
// test ends (after gwd, whose cleanup registers later). It skips the
// test where mounting is not permitted.
func tmpfsStore(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "tmpfs")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		t.Skip("disk-full scenario: needs root to mount a tmpfs for the store (mount -t tmpfs); skipped")
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%dm", tmpfsMB), "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("disk-full scenario: mount -t tmpfs not permitted here (%v: %s); skipped", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return filepath.Join(dir, "store")
}

func freeBytes(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("statfs %s: %w", dir, err)
	}
	return int64(st.Bavail) * st.Bsize, nil
}

// fill grows file, 4 MiB at a time, until its file system has under
// leave octets free (the store grows meanwhile: Pebble preallocates).
func fill(file string, leave int64) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	var size int64
	for {
		free, err := freeBytes(filepath.Dir(file))
		if err != nil {
			return err
		}
		if free < leave {
			return nil
		}
		step := min(int64(4<<20), free-leave+1)
		if err := syscall.Fallocate(int(f.Fd()), 0, size, step); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return nil
			}
			return fmt.Errorf("fallocate: %w", err)
		}
		size += step
	}
}

// diskFull fills the store's file system to under the free-space floor,
// checks that new work is refused (ESME_RMSGQFUL, HTTP 503), holds it a
// phase, frees the space and checks that gwd takes work again by itself.
func diskFull(t *testing.T, h *harness, m runMode) injected {
	mnt := filepath.Dir(h.storeDir)
	const leave = 24 << 20 // under the 64 MiB floor, room for what is in flight
	filler := filepath.Join(mnt, "filler")
	if err := fill(filler, leave); err != nil {
		t.Fatalf("fill the store's disk: %v", err)
	}
	smppBefore, httpBefore := h.led.refusedN("ESME_RMSGQFUL"), h.led.refusedN("HTTP 503")
	refused := waitFor(15*time.Second, func() bool {
		return h.led.refusedN("ESME_RMSGQFUL") > smppBefore && h.led.refusedN("HTTP 503") > httpBefore
	})
	if !refused {
		t.Errorf("disk full: new work not refused (ESME_RMSGQFUL %d, HTTP 503 %d)",
			h.led.refusedN("ESME_RMSGQFUL")-smppBefore, h.led.refusedN("HTTP 503")-httpBefore)
	}
	time.Sleep(m.phase)
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	before := h.acked()
	if !waitFor(30*time.Second, func() bool { return h.acked() >= before+100 }) {
		t.Errorf("space freed: gwd did not take work again by itself (%d acknowledged since)", h.acked()-before)
	}
	time.Sleep(time.Second) // load after the recovery too
	return injected{fmt.Sprintf("disk full (store on a %d MiB tmpfs filled to %d MiB free) for %v: %d ESME_RMSGQFUL, %d HTTP 503; resumed",
		tmpfsMB, leave>>20, m.phase, h.led.refusedN("ESME_RMSGQFUL")-smppBefore, h.led.refusedN("HTTP 503")-httpBefore), 1}
}
