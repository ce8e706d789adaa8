# Runs a command on a pseudo-terminal, waits for its prompt, then presses a key (or sends SIGINT);
# prints {"code", "output"} as JSON. For the CLI tests of Ctrl-C / Ctrl-D at a prompt.
import os, pty, sys, time, signal, json
argv = json.loads(sys.argv[1]); prompt = sys.argv[2].encode(); action = sys.argv[3]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
buf = b''
deadline = time.time() + 30
while prompt not in buf and time.time() < deadline:
    try:
        buf += os.read(fd, 1024)
    except OSError:
        break
time.sleep(0.2)
if action == 'sigint': os.kill(pid, signal.SIGINT)
else: os.write(fd, {'ctrl-c': b'\x03', 'ctrl-d': b'\x04', 'typed': b'12'}[action])
while True:
    try:
        chunk = os.read(fd, 1024)
        if not chunk: break
        buf += chunk
    except OSError:
        break
_, status = os.waitpid(pid, 0)
print(json.dumps({'code': os.waitstatus_to_exitcode(status), 'output': buf.decode('utf8', 'replace')}))
