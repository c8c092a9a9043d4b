// history.json and history.csv: the files the command line writes and the element offers for download.
import { csvLine, historyCsv, historyJson } from '../../src/engine/history-files';
import { emptyHistory } from '../../src/engine/trainer';
import { assertEqual } from '../util/assert';

describe('history files', () => {
  it('CSV: a header, a row per 1-based epoch, the recorded series only, empty cells for values not finite', () => {
    const h = emptyHistory();
    Object.assign(h, {
      loss: [0.5, Number.NaN], accuracy: [0.8, 0.85], val_loss: [0.6, 0.55], val_accuracy: [0.75, 0.8], test_loss: [0.6, 0.55], test_accuracy: [0.75, 0.8],
      learning_rate: [0.001, 0.0005], epoch_seconds: [1.25, 1.5],
    });
    assertEqual(historyCsv(h), [
      'epoch,loss,accuracy,val_loss,val_accuracy,test_loss,test_accuracy,learning_rate,epoch_seconds',
      '1,0.5,0.8,0.6,0.75,0.6,0.75,0.001,1.25',
      '2,,0.85,0.55,0.8,0.55,0.8,0.0005,1.5',
      '',
    ].join('\n'), 'two epochs, a diverged loss');
    h.top_k_accuracy = [0.9, 0.95];
    h.val_top_k_accuracy = [0.88];
    assertEqual(historyCsv(h).split('\n')[0], 'epoch,loss,accuracy,top_k_accuracy,val_loss,val_accuracy,val_top_k_accuracy,test_loss,test_accuracy,learning_rate,epoch_seconds', 'top-k where recorded');
    assertEqual(historyCsv(h).split('\n')[2].split(',')[6], '', 'a series shorter than the run: empty cells');
    assertEqual(historyCsv(emptyHistory()), 'epoch\n', 'no epoch yet: the header alone');
  });

  it('CSV lines quote text holding a comma, a quote or a line break (RFC 4180)', () => {
    assertEqual(csvLine(['plain', 'a,b', 'say "hi"', 'two\nlines', 1.5, Number.NaN, null, undefined, 0]), 'plain,"a,b","say ""hi""","two\nlines",1.5,,,,0', 'cells');
  });

  it('JSON: every key of the History, read back equal', () => {
    const h = { ...emptyHistory(), loss: [0.5], accuracy: [0.8], stopped_epoch: 1 };
    assertEqual(historyJson(h).endsWith('}\n'), true, 'a final newline');
    assertEqual(JSON.stringify(JSON.parse(historyJson(h))), JSON.stringify(h), 'read back');
  });
});
