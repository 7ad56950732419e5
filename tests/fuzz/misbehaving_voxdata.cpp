// misbehaving_voxdata.cpp — a stand-in for voxdata that breaks the rules on damaged files, so the
// `fuzz` tests can show that file_fuzzer catches each kind of failure (it must report them all).
//
// On a file whose name starts with "mutant" or "sub-001_T1", VOXTRAIN_MISBEHAVE picks what it does:
// segv (raises SIGSEGV), hang (sleeps), two-lines (two lines on stderr, exit 1), exit-3, or
// leftover (with --out X: leaves X.tmp-0 behind, one line, exit 1). Everything else runs the real
// voxdata named by VOXTRAIN_REAL_VOXDATA.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace {

bool names_a_mutant(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const std::string base = a.substr(a.find_last_of('/') + 1);
    if (base.rfind("mutant", 0) == 0 || base.rfind("sub-001_T1", 0) == 0) return true;
    if (a.find("/input-") != std::string::npos && a.rfind("--", 0) != 0) return true;  // convert --images DIR
  }
  return false;
}

std::string out_flag(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--out") == 0) return argv[i + 1];
  return {};
}

int misbehave(const std::string& how, int argc, char** argv) {
  if (how == "segv") ::raise(SIGSEGV);
  if (how == "hang") ::sleep(600);
  if (how == "two-lines") {
    std::fputs("voxdata: something failed\nand a second line\n", stderr);
    return 1;
  }
  if (how == "exit-3") return 3;
  if (how == "leftover") {
    const std::string out = out_flag(argc, argv);
    if (!out.empty()) std::ofstream(out + ".tmp-0") << "half a file";
    std::fputs("voxdata: the output is half written\n", stderr);
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const char* how = std::getenv("VOXTRAIN_MISBEHAVE");
  const char* real = std::getenv("VOXTRAIN_REAL_VOXDATA");
  if (how != nullptr && names_a_mutant(argc, argv)) return misbehave(how, argc, argv);
  if (real == nullptr) {
    std::fputs("misbehaving_voxdata: set VOXTRAIN_REAL_VOXDATA to the real voxdata\n", stderr);
    return 2;
  }
  argv[0] = const_cast<char*>(real);
  ::execv(real, argv);
  std::perror("misbehaving_voxdata: execv");
  return 2;
}
