/*
 * sandbox-launcher.exe: the emulated AlteryxService.exe, mongod.exe, mongodump.exe and mongorestore.exe of
 * an Alteryx sandbox on Windows (see docs/sandbox.md). The core spawns these files exactly as it spawns the
 * real executables; each copy runs the sandbox emulator with the bundled node.exe.
 *
 * A copy named X.exe reads X.launch beside it: UTF-8, one argument a line (the first is the program, e.g.
 * node.exe; then the emulator script, the tool name, --sandbox DIR, --node NAME). It runs that command with
 * its own arguments appended exactly as it received them (the raw command line after its own name), the
 * same stdin/stdout/stderr handles, waits, and exits with the child's exit code. The child is in a job
 * object that is killed when the launcher ends, so killing the launcher (TerminateProcess) ends the tool.
 *
 * Built at release time with mingw-w64: x86_64-w64-mingw32-gcc -O2 -municode -o sandbox-launcher.exe launcher.c
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

#define MAX_ARGS 64

static int fail(const wchar_t *what, DWORD code) {
  fwprintf(stderr, L"sandbox-launcher: %ls (Windows error %lu)\n", what, (unsigned long)code);
  return 1;
}

/* Appends one argument to cmd, quoted by the rules CommandLineToArgvW and the C runtime parse. */
static void append_quoted(wchar_t *cmd, size_t cap, const wchar_t *arg) {
  size_t n = wcslen(cmd);
  if (n && n + 1 < cap) cmd[n++] = L' ';
  if (n + 1 < cap) cmd[n++] = L'"';
  for (const wchar_t *p = arg;; p++) {
    size_t slashes = 0;
    while (*p == L'\\') { slashes++; p++; }
    if (*p == 0) {
      for (size_t i = 0; i < slashes * 2 && n + 1 < cap; i++) cmd[n++] = L'\\';
      break;
    }
    if (*p == L'"') {
      for (size_t i = 0; i < slashes * 2 + 1 && n + 1 < cap; i++) cmd[n++] = L'\\';
    } else {
      for (size_t i = 0; i < slashes && n + 1 < cap; i++) cmd[n++] = L'\\';
    }
    if (n + 1 < cap) cmd[n++] = *p;
  }
  if (n + 1 < cap) cmd[n++] = L'"';
  cmd[n] = 0;
}

/* The raw command line after the program name (quoted or not), leading blanks skipped. */
static const wchar_t *own_arguments(const wchar_t *line) {
  const wchar_t *p = line;
  if (*p == L'"') {
    p++;
    while (*p && *p != L'"') p++;
    if (*p) p++;
  } else {
    while (*p && *p != L' ' && *p != L'\t') p++;
  }
  while (*p == L' ' || *p == L'\t') p++;
  return p;
}

int wmain(void) {
  wchar_t self[MAX_PATH * 4];
  DWORD len = GetModuleFileNameW(NULL, self, (DWORD)(sizeof self / sizeof self[0]));
  if (len == 0 || len >= sizeof self / sizeof self[0] - 8) return fail(L"cannot read its own path", GetLastError());
  wchar_t *dot = wcsrchr(self, L'.');
  wchar_t *slash = wcsrchr(self, L'\\');
  if (!dot || (slash && dot < slash)) dot = self + len;
  wcscpy(dot, L".launch");

  HANDLE f = CreateFileW(self, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, OPEN_EXISTING, 0, NULL);
  if (f == INVALID_HANDLE_VALUE) {
    DWORD e = GetLastError();
    fwprintf(stderr, L"sandbox-launcher: cannot open %ls: recreate the sandbox (New-AlteryxSandbox -Force).\n", self);
    return fail(L"no .launch file", e);
  }
  static char bytes[65536];
  DWORD got = 0;
  BOOL ok = ReadFile(f, bytes, sizeof bytes - 1, &got, NULL);
  CloseHandle(f);
  if (!ok) return fail(L"cannot read the .launch file", GetLastError());
  bytes[got] = 0;
  char *text = bytes;
  if ((unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB && (unsigned char)text[2] == 0xBF) text += 3;

  static wchar_t cmd[32768];
  static wchar_t arg[32768];
  cmd[0] = 0;
  int count = 0;
  for (char *line = text; *line && count < MAX_ARGS;) {
    char *end = strchr(line, '\n');
    if (end) *end = 0;
    size_t l = strlen(line);
    if (l && line[l - 1] == '\r') line[--l] = 0;
    if (l) {
      if (!MultiByteToWideChar(CP_UTF8, 0, line, -1, arg, (int)(sizeof arg / sizeof arg[0]))) {
        return fail(L"the .launch file is not UTF-8", GetLastError());
      }
      append_quoted(cmd, sizeof cmd / sizeof cmd[0], arg);
      count++;
    }
    if (!end) break;
    line = end + 1;
  }
  if (count == 0) return fail(L"the .launch file names no program", ERROR_INVALID_DATA);

  const wchar_t *rest = own_arguments(GetCommandLineW());
  if (*rest) {
    if (wcslen(cmd) + wcslen(rest) + 2 >= sizeof cmd / sizeof cmd[0]) return fail(L"command line too long", ERROR_FILENAME_EXCED_RANGE);
    wcscat(cmd, L" ");
    wcscat(cmd, rest);
  }

  HANDLE job = CreateJobObjectW(NULL, NULL);
  if (job) {
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits;
    ZeroMemory(&limits, sizeof limits);
    limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, sizeof limits);
  }

  STARTUPINFOW si;
  ZeroMemory(&si, sizeof si);
  si.cb = sizeof si;
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
  si.hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
  si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
  PROCESS_INFORMATION pi;
  if (!CreateProcessW(NULL, cmd, NULL, NULL, TRUE, CREATE_SUSPENDED, NULL, NULL, &si, &pi)) {
    return fail(L"cannot start the program named in the .launch file", GetLastError());
  }
  if (job) AssignProcessToJobObject(job, pi.hProcess);
  ResumeThread(pi.hThread);
  CloseHandle(pi.hThread);
  /* Ctrl+C reaches the child through the shared console; the launcher waits for it to decide. */
  SetConsoleCtrlHandler(NULL, TRUE);
  WaitForSingleObject(pi.hProcess, INFINITE);
  DWORD code = 1;
  GetExitCodeProcess(pi.hProcess, &code);
  CloseHandle(pi.hProcess);
  if (job) CloseHandle(job);
  return (int)code;
}
