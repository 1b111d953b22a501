/*
 * cmd_keys — `finelab keys [--md]`: every preset key from the schema table
 * with its default, allowed values and help. README.md's preset reference
 * is this command's Markdown output (a test keeps the two identical).
 */
#ifndef FINELAB_CMD_KEYS_H
#define FINELAB_CMD_KEYS_H

int cmd_keys(int argc, char **argv);

#endif
