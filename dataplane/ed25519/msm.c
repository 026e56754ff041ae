#include "msm.h"

#include "fe_many.h"

/* The accumulator lives in completed form t between operations and is
 * converted to what the next operation needs: extended (4M) before an
 * addition, projective (3M) before a doubling. */
void msm_straus(ge_p3_t *out, const msm_term_t *terms, size_t n, const msm_base_t *bases,
		size_t nb)
{
	if (n + nb >= MSM_IFMA_MIN && fe_many_has_ifma()) {
		msm_straus_ifma(out, terms, n, bases, nb);
		return;
	}
	int top = 0;
	for (size_t i = 0; i < n; i++)
		if (terms[i].top > top)
			top = terms[i].top;
	for (size_t j = 0; j < nb; j++)
		if (bases[j].top > top)
			top = bases[j].top;

	ge_p3_t acc;
	ge_p2_t p2;
	ge_p1p1_t t;
	ge_p3_0(&acc);
	if (top == 0) {
		*out = acc;
		return;
	}
	ge_p3_dbl(&t, &acc);
	for (int pos = top - 1; pos >= 0; pos--) {
		if (pos != top - 1) {
			ge_p1p1_to_p2(&p2, &t);
			ge_p2_dbl(&t, &p2);
		}
		for (size_t i = 0; i < n; i++) {
			int8_t d = terms[i].naf[pos];
			if (d == 0)
				continue;
			ge_p1p1_to_p3(&acc, &t);
			if (d > 0)
				ge_add_cached(&t, &acc, &terms[i].table[d / 2], 0);
			else
				ge_add_cached(&t, &acc, &terms[i].table[(-d) / 2], 1);
		}
		for (size_t j = 0; j < nb; j++) {
			int8_t d = bases[j].naf[pos];
			if (d == 0)
				continue;
			ge_p1p1_to_p3(&acc, &t);
			if (d > 0)
				ge_add_niels(&t, &acc, &bases[j].table[d / 2], 0);
			else
				ge_add_niels(&t, &acc, &bases[j].table[(-d) / 2], 1);
		}
	}
	ge_p1p1_to_p3(out, &t);
}
