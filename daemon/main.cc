#include "daemon/cli.h"

int main(int argc, char** argv) { return loa::RunCli(argc, argv, LOA_VERSION); }
