package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"
)

// LoopbackCapture captures n UDP datagrams with dumpcap on the loopback
// interface and returns the pcapng file dumpcap wrote, as it writes every
// capture: a section header, an interface description, the packets, and an
// interface statistics block at the end. The datagrams go from 127.0.0.1 to
// a port of the test's own on 127.0.0.1, and dumpcap's filter takes only
// that port, so tests running beside it add nothing; their payloads are 1
// to n bytes long, so that every padding of a pcapng block occurs. It skips
// the test when dumpcap is absent or cannot capture here (no loopback
// interface, no permission), unless SOFTSA_REQUIRE_TSHARK is set.
func LoopbackCapture(tb testing.TB, dir string, n int) string {
	tb.Helper()
	path := filepath.Join(dir, "dumpcap.pcapng")
	loopbackDumpcap(tb, n, "-w", path)
	return path
}

// LoopbackRing is LoopbackCapture with dumpcap writing a ring buffer
// (-b packets:per): a new file every per packets. It returns the files in
// the order dumpcap wrote them.
func LoopbackRing(tb testing.TB, dir string, n, per int) []string {
	tb.Helper()
	loopbackDumpcap(tb, n, "-w", filepath.Join(dir, "ring.pcapng"), "-b", "packets:"+strconv.Itoa(per))
	files, err := filepath.Glob(filepath.Join(dir, "ring_*.pcapng"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("dumpcap wrote no ring-buffer files in %s", dir)
	}
	sort.Strings(files)
	return files
}

// loopbackDumpcap runs dumpcap with args (where to write) until it has
// captured n datagrams it sends on loopback.
func loopbackDumpcap(tb testing.TB, n int, args ...string) {
	tb.Helper()
	dumpcap := Tool(tb, "dumpcap")
	sink, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer sink.Close()
	port := sink.LocalAddr().(*net.UDPAddr).Port
	conn, err := net.Dial("udp4", sink.LocalAddr().String())
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()

	cmd := exec.Command(dumpcap, append([]string{"-q", "-i", "lo", "-f", "udp dst port " + strconv.Itoa(port),
		"-c", strconv.Itoa(n), "-a", "duration:30"}, args...)...)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// dumpcap takes a moment to start listening: send until it has the n
	// datagrams it wants and exits, a datagram every 20 ms.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case err := <-done:
			if err != nil {
				var exit *exec.ExitError
				if errors.As(err, &exit) && os.Getenv("SOFTSA_REQUIRE_TSHARK") == "" {
					tb.Skipf("dumpcap cannot capture on loopback here: %v\n%s", err, stderr.Bytes())
				}
				tb.Fatalf("dumpcap: %v\n%s", err, stderr.Bytes())
			}
			return
		case <-tick.C:
			payload := bytes.Repeat([]byte{byte('a' + i%26)}, 1+i%n)
			if _, err := conn.Write(payload); err != nil {
				// Nothing listens yet, or the sink's buffer is full: the
				// next one goes.
				continue
			}
		}
	}
}

// WiresharkFile is a capture written by a Wireshark tool, with the command
// that wrote it.
type WiresharkFile struct {
	Path    string
	Command string
}

// WiresharkFiles captures on loopback with dumpcap (LoopbackCapture) and
// writes the same packets as every Wireshark tool a support case may bring
// them: tshark -w (pcapng and pcap), editcap -F for pcap, pcapng,
// nanosecond pcap and NetMon 2.x, mergecap (merged and appended), tshark
// writing name resolution (a file that ends in a name resolution block),
// editcap injecting decryption secrets, and the dumpcap file followed by a
// section that editcap wrote with no packets (a section header and nothing
// after it). The first file is dumpcap's own.
func WiresharkFiles(tb testing.TB, dir string, n int) []WiresharkFile {
	tb.Helper()
	orig := LoopbackCapture(tb, dir, n)
	files := []WiresharkFile{{orig, "dumpcap -i lo -w"}}
	out := func(name string) string { return filepath.Join(dir, name) }
	tool := func(name, command string, tool string, args ...string) {
		tb.Helper()
		Run(tb, tool, args...)
		files = append(files, WiresharkFile{out(name), command})
	}
	tool("tshark.pcapng", "tshark -w", "tshark", "-r", orig, "-w", out("tshark.pcapng"))
	tool("tshark.pcap", "tshark -F pcap -w", "tshark", "-r", orig, "-F", "pcap", "-w", out("tshark.pcap"))
	for _, f := range []string{"pcap", "pcapng", "nsecpcap", "netmon2"} {
		tool("editcap-"+f+".cap", "editcap -F "+f, "editcap", "-F", f, orig, out("editcap-"+f+".cap"))
	}
	tool("mergecap.pcapng", "mergecap", "mergecap", "-w", out("mergecap.pcapng"), orig, out("tshark.pcapng"))
	tool("mergecap-a.pcapng", "mergecap -a", "mergecap", "-a", "-w", out("mergecap-a.pcapng"), orig, orig)
	// tshark writes the names it resolved (-W n) in a name resolution
	// block after the last packet; a hosts file of our own names 127.0.0.1
	// without asking any resolver.
	hosts := out("hosts")
	if err := os.WriteFile(hosts, []byte("127.0.0.1 softsa-loopback\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	tool("tshark-nrb.pcapng", "tshark -N n -W n -w", "tshark", "-r", orig, "-N", "n", "-H", hosts, "-W", "n",
		"-T", "fields", "-e", "ip.src_host", "-w", out("tshark-nrb.pcapng"))
	keys := out("keys.txt")
	keylog := fmt.Sprintf("CLIENT_RANDOM %064x %096x\n", 1, 2)
	if err := os.WriteFile(keys, []byte(keylog), 0o644); err != nil {
		tb.Fatal(err)
	}
	tool("editcap-dsb.pcapng", "editcap --inject-secrets", "editcap", "--inject-secrets", "tls,"+keys, orig, out("editcap-dsb.pcapng"))

	// pcapng may hold several sections one after the other, so that cat
	// joins two files into one; an empty section at the end is what joins
	// a capture that saw nothing.
	Run(tb, "editcap", "-r", orig, out("empty.pcapng"), "0")
	a, err := os.ReadFile(orig)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := os.ReadFile(out("empty.pcapng"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(out("cat-empty.pcapng"), append(a, b...), 0o644); err != nil {
		tb.Fatal(err)
	}
	files = append(files, WiresharkFile{out("cat-empty.pcapng"), "cat dumpcap.pcapng (editcap -r dumpcap.pcapng empty.pcapng 0)"})
	return files
}
