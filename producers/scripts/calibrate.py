#!/usr/bin/env python3
"""Regenerates the amount quantiles and hourly weights in producers/src/calibration.ts from the
real PaySim rows (CC BY-SA 4.0). Legitimate rows only: the steps 1-119 sample over-samples fraud.
Usage: python3 producers/scripts/calibrate.py [path/to/paysim-steps1-119-sample.csv]"""
import sys
import csv, collections, json
rows=list(csv.DictReader(open(sys.argv[1] if len(sys.argv) > 1 else '../shared/data/paysim/paysim-steps1-119-sample.csv')))
legit=[r for r in rows if float(r['isFraud'])==0]
def q(xs,p):
    i=p*(len(xs)-1); lo=int(i); hi=min(lo+1,len(xs)-1); return xs[lo]+(xs[hi]-xs[lo])*(i-lo)
ps=[0,0.005,0.01,0.025]+[round(0.05*i,2) for i in range(1,20)]+[0.975,0.99,0.995,0.999,1]
out=[]
out.append('export const AMOUNT_QUANTILE_PROBS: readonly number[] = %s;' % json.dumps(ps))
out.append('/** Legitimate amounts in major units at AMOUNT_QUANTILE_PROBS, per type. */')
out.append('export const AMOUNT_QUANTILES: Readonly<Record<TransactionType, readonly number[]>> = {')
for t in ['CASH_IN','CASH_OUT','DEBIT','PAYMENT','TRANSFER']:
    a=sorted(float(r['amount']) for r in legit if r['type']==t)
    out.append('  %s: %s,' % (t, json.dumps([round(q(a,p),2) for p in ps])))
out.append('};')
h=collections.Counter(int(r['step'])%24 for r in legit)
out.append('/** Relative legitimate volume by hour of day (step %% 24), from %d legitimate rows. */' % len(legit))
out.append('export const HOURLY_WEIGHTS: readonly number[] = %s;' % json.dumps([h[i] for i in range(24)]))
print('\n'.join(out))
