/*
 * cmd_model — using a trained model from the shell:
 *
 *   finelab eval RUN|PRESET [--weights FILE] [--runs-dir DIR]
 *   finelab predict RUN|PRESET [--weights FILE] [--runs-dir DIR] IMAGE...
 *   finelab features RUN|PRESET [--weights FILE] --layer conv5_3|pool|logits
 *                    --out FILE.npy [--runs-dir DIR] IMAGE...
 *
 * eval: accuracy and mean loss over the whole test split, per-class
 * accuracy and the ten most confused class pairs. predict: the top five
 * classes with softmax probabilities per image (test-time centre crop).
 * features: one layer's output for every image as a float32 .npy array.
 * A RUN uses its preset.ini and last snapshot, a PRESET the backbone its
 * training loads (model.weights); --weights replaces either. conv5_3 and
 * pool need only a backbone; eval, predict and logits need a classifier
 * too, and name the tensors a backbone file lacks. Main thread; results on
 * stdout, errors on stderr naming the file. Exit 0 ok, 1 failed, 2 bad
 * input.
 */
#ifndef FINELAB_CMD_MODEL_H
#define FINELAB_CMD_MODEL_H

/* argv[0] is the command's name. */
int cmd_eval(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_features(int argc, char **argv);

#endif
