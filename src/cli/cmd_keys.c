/*
 * cmd_keys — the preset reference, printed from the schema. See cmd_keys.h.
 */
#include "src/cli/cmd_keys.h"

#include <stdio.h>
#include <string.h>

#include "src/cli/cli.h"
#include "src/preset/preset.h"
#include "src/preset/schema.h"

int cmd_keys(int argc, char **argv) {
    int md = argc == 2 && strcmp(argv[1], "--md") == 0;
    if (argc > 2 || (argc == 2 && !md)) {
        cli_error("keys", "usage: finelab keys [--md]");
        return CLI_BAD_INPUT;
    }
    Preset p;
    preset_defaults(&p);
    for (int s = 0; schema_section(s); s++) {
        const char *sec = schema_section(s);
        if (md)
            printf("%s### [%s]\n\n| key | default | values | meaning |\n|---|---|---|---|\n",
                   s ? "\n" : "", sec);
        else
            printf("%s[%s]\n", s ? "\n" : "", sec);
        for (const SchemaKey *k = schema_next(sec, NULL); k; k = schema_next(sec, k)) {
            char def[PRESET_PATH_MAX + 16], what[512];
            schema_format(k, &p, def, sizeof def);
            schema_describe(k, what, sizeof what);
            if (md)
                printf("| `%s` | `%s` | %s | %s |\n", k->key, def[0] ? def : " ", what, k->help);
            else
                printf("  %-20s = %-22s %s; %s\n", k->key, def, what, k->help);
        }
    }
    return CLI_OK;
}
