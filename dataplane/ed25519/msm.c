#include "msm.h"

void msm_straus(ge_p3_t *out, const msm_term_t *terms, size_t n, const int8_t bnaf[256],
		int btop)
{
	int top = btop;
	for (size_t i = 0; i < n; i++)
		if (terms[i].top > top)
			top = terms[i].top;

	ge_p3_t acc;
	ge_p1p1_t t;
	ge_p3_0(&acc);
	for (int pos = top - 1; pos >= 0; pos--) {
		ge_p3_dbl(&t, &acc);
		ge_p1p1_to_p3(&acc, &t);
		for (size_t i = 0; i < n; i++) {
			int8_t d = terms[i].naf[pos];
			if (d == 0)
				continue;
			if (d > 0)
				ge_add_cached(&t, &acc, &terms[i].table[d / 2], 0);
			else
				ge_add_cached(&t, &acc, &terms[i].table[(-d) / 2], 1);
			ge_p1p1_to_p3(&acc, &t);
		}
		int8_t d = bnaf[pos];
		if (d != 0) {
			if (d > 0)
				ge_add_niels(&t, &acc, &ge_base_table[d / 2], 0);
			else
				ge_add_niels(&t, &acc, &ge_base_table[(-d) / 2], 1);
			ge_p1p1_to_p3(&acc, &t);
		}
	}
	*out = acc;
}
