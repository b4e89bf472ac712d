/* rift-agent: the Linux chaos infrastructure. This file only wires the command line to the modules. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
        if (argc > 1 && strcmp(argv[1], "--version") == 0) {
                puts("rift-agent 0.1");
                return 0;
        }
        fputs("usage: rift-agent inject --spec FILE.json [--journal DIR] | --recover [--journal DIR]\n",
              stderr);
        return 2;
}
