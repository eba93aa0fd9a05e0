/** The staff lists' pure rules: Latvian order, and searches that ignore case and diacritics. */
import { describe, expect, it } from 'vitest';
import { compareCandidates, compareLatvian, matchesSearch, matchingInstitutions, searchTerms } from '../../src/domain/staff-lists.js';

describe('staff lists', () => {
  it('orders names as a Latvian collator does: Ā after A, Č after C, Ž after Z', () => {
    const names = ['Žagars', 'Zvaigzne', 'Ābols', 'Avots', 'Čakste', 'Celms', 'Ķēniņš', 'Kalniņš'];
    expect([...names].sort(compareLatvian)).toEqual(['Avots', 'Ābols', 'Celms', 'Čakste', 'Kalniņš', 'Ķēniņš', 'Zvaigzne', 'Žagars']);
    expect([...names].sort(compareLatvian)).toEqual([...names].sort(new Intl.Collator('lv').compare));
  });

  it('breaks ties by surname, first name, then registration, whichever way the column goes', () => {
    const rows = [
      { registrationId: 3, firstName: 'Anna', lastName: 'Žagars', sortValue: '9.a' },
      { registrationId: 1, firstName: 'Ārija', lastName: 'Ābols', sortValue: '9.a' },
      { registrationId: 2, firstName: 'Anna', lastName: 'Ābols', sortValue: '9.b' },
    ];
    expect([...rows].sort(compareCandidates('asc')).map((r) => r.registrationId)).toEqual([1, 3, 2]);
    expect([...rows].sort(compareCandidates('desc')).map((r) => r.registrationId)).toEqual([2, 1, 3]);
  });

  it('finds every word of a search in names or the candidate code, without regard to case or diacritics', () => {
    const candidate = { firstName: 'Jānis', lastName: 'Bērziņš', candidateCode: '912340000001' };
    expect(searchTerms('  BERZINS,  jan ')).toEqual(['berzins', 'jan']);
    expect(matchesSearch(candidate, searchTerms('berzins jan'))).toBe(true);
    expect(matchesSearch(candidate, searchTerms('Bērziņš Anna'))).toBe(false);
    expect(matchesSearch(candidate, searchTerms('91234000'))).toBe(true);
    expect(matchesSearch(candidate, searchTerms(''))).toBe(true);
  });

  it('matches schools by part of the name or the registration number, as the suggestion list writes them', () => {
    const schools = [
      { id: 1, name: 'Rīgas 1. vidusskola', registrationNumber: '4013900001' },
      { id: 2, name: 'Rīgas Valsts ģimnāzija', registrationNumber: '4013900002' },
      { id: 3, name: 'Ogres pamatskola', registrationNumber: '4013900003' },
    ];
    expect(matchingInstitutions(schools, 'rigas').map((s) => s.id)).toEqual([1, 2]);
    expect(matchingInstitutions(schools, 'Rīgas Valsts ģimnāzija (4013900002)').map((s) => s.id)).toEqual([2]);
    expect(matchingInstitutions(schools, '4013900003').map((s) => s.id)).toEqual([3]);
    expect(matchingInstitutions(schools, '   ')).toEqual([]);
  });
});
