// A console program written with nothing but Win32, as programs that know
// nothing of strait are: copies its standard input to its standard output
// with ASCII letters in upper case, until end of input. The child that
// process_test.cpp feeds through strait::spawn's stdio pipes.
//
// Exit code 0 when all of its input was written out, 1 otherwise.
#include <windows.h>

int main() {
  const HANDLE in = ::GetStdHandle(STD_INPUT_HANDLE);
  const HANDLE out = ::GetStdHandle(STD_OUTPUT_HANDLE);
  char buffer[4096];
  for (;;) {
    DWORD n = 0;
    if (!::ReadFile(in, buffer, sizeof buffer, &n, nullptr)) {
      // The writer closed its end: the end of input on a pipe.
      return ::GetLastError() == ERROR_BROKEN_PIPE ? 0 : 1;
    }
    if (n == 0) return 0;  // the end of input on a file or NUL
    for (DWORD i = 0; i < n; ++i)
      if (buffer[i] >= 'a' && buffer[i] <= 'z')
        buffer[i] = static_cast<char>(buffer[i] - 'a' + 'A');
    for (DWORD done = 0; done < n;) {
      DWORD written = 0;
      if (!::WriteFile(out, buffer + done, n - done, &written, nullptr)) return 1;
      done += written;
    }
  }
}
