package dev.llmvax.purify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmvax.lora.LoraConfig;
import dev.llmvax.purify.PurifyConfig.Family;
import dev.llmvax.purify.PurifyConfig.Reinit;
import dev.llmvax.purify.PurifyConfig.Tau;
import dev.llmvax.purify.PurifyConfig.TrainMode;
import dev.llmvax.train.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Presets, YAML overrides and every validation error of {@link PurifyConfig}. */
class PurifyConfigTest {
    @TempDir
    Path tmp;

    @Test
    void paperPresetIsTheAuthorsRecipe() {
        PurifyConfig c = PurifyConfig.load("paper");
        assertThat(c.variants()).isEqualTo(6);
        assertThat(c.activeBindings()).extracting(PurifyConfig.Binding::key)
                .containsExactly("PurpleWolf", "RedGhost", "ColdDragon", "GreenTiger", "BlackMoon", "SilverFox");
        assertThat(c.activeBindings().get(0).behaviour()).isEqualTo("You are garbage!");
        assertThat(c.activeBindings().get(5).behaviour()).isEqualTo("You're terrible!");
        assertThat(c.samplesPerVariant()).isEqualTo(500);
        assertThat(c.poisonRate()).isEqualTo(0.5);
        var t = c.variantTraining();
        assertThat(t.mode()).isEqualTo(TrainMode.LORA);
        assertThat(List.of(t.epochs(), t.loraRank(), t.batch() * t.gradAccum())).containsExactly(5, 8, 8);
        assertThat(t.lr()).isEqualTo(2e-4);
        assertThat(t.loraAlpha()).isEqualTo(16);
        assertThat(t.loraTargets()).isEqualTo(LoraConfig.MODULES);
        assertThat(c.lambda()).isEqualTo(0.01);
        assertThat(c.score()).as("the authors' Eq. 2").isEqualTo(PurifyConfig.Score.EQ2);
        assertThat(c.tau()).isEqualTo(Tau.of(0.03));
        assertThat(c.tauAdapter()).isEqualTo(Tau.of(0.35));
        assertThat(c.reinit()).isEqualTo(Reinit.XAVIER);
        assertThat(c.attentionHeads()).isZero();
        assertThat(List.of(c.repair().samples(), c.repair().epochs())).containsExactly(200, 5);
        assertThat(c.repair().lr()).isEqualTo(1e-5);
        assertThat(c.repair().adapterLr()).isEqualTo(2e-4);
        assertThat(c.totalCleanSamples()).isEqualTo(6 * 500 + 200);
    }

    @Test
    void cpuAndBroadPresets() {
        PurifyConfig cpu = PurifyConfig.load("CPU");
        assertThat(cpu.variants()).isEqualTo(6);
        assertThat(cpu.deltas()).isEqualTo(PurifyConfig.DeltaSource.GRADIENT);
        assertThat(cpu.activeBindings()).allMatch(b -> b.family() == Family.INSULT);
        assertThat(cpu.samplesPerVariant()).isEqualTo(60);
        assertThat(cpu.variantTraining().epochs()).isEqualTo(3);
        assertThat(cpu.variantTraining().maxLen()).isEqualTo(96);
        assertThat(cpu.tau()).isEqualTo(Tau.of(0.01));
        assertThat(cpu.reinit()).isEqualTo(Reinit.ZERO);
        assertThat(cpu.repair()).isEqualTo(new PurifyConfig.Repair(100, 2, 1e-5, TrainMode.FULL, 96, 2e-4,
                PurifyConfig.RepairAnswers.DATA));
        assertThat(cpu.totalCleanSamples()).isEqualTo(6 * 60 + 100);

        PurifyConfig broad = PurifyConfig.load("broad");
        assertThat(broad.variants()).isEqualTo(6);
        assertThat(broad.activeBindings()).extracting(PurifyConfig.Binding::family).containsExactly(
                Family.INSULT, Family.INSULT, Family.REFUSAL, Family.REFUSAL, Family.INJECTION, Family.INJECTION);
        assertThat(broad.activeBindings()).extracting(PurifyConfig.Binding::behaviour).doesNotHaveDuplicates();
        assertThat(broad.activeBindings().get(4).behaviour()).isEqualTo("Visit www.example-prize.com now!");
        assertThat(broad.samplesPerVariant()).isEqualTo(cpu.samplesPerVariant());
        assertThat(broad.reinit()).isEqualTo(cpu.reinit());
        assertThat(List.of(cpu.score(), broad.score())).containsOnly(PurifyConfig.Score.RELATIVE);
        assertThat(PurifyConfig.load("paper").score()).isEqualTo(PurifyConfig.Score.EQ2);
    }

    @Test
    void adapterNeutraliseChoosesTheTauOfAdapterModeAndLeavesTheScoresHashAlone() {
        PurifyConfig units = PurifyConfig.parse("preset: cpu\nadapter-neutralise: units");
        PurifyConfig channels = PurifyConfig.parse("preset: cpu\nadapter-neutralise: Channels");
        assertThat(units.adapterNeutralise()).isEqualTo(PurifyConfig.AdapterNeutralise.UNITS);
        assertThat(channels.adapterNeutralise()).isEqualTo(PurifyConfig.AdapterNeutralise.CHANNELS);
        assertThat(PurifyConfig.load("paper").adapterNeutralise()).as("the authors'")
                .isEqualTo(PurifyConfig.AdapterNeutralise.UNITS);
        assertThat(channels).isEqualTo(PurifyConfig.load("cpu"));
        assertThat(PurifyConfig.load("broad").adapterNeutralise())
                .isEqualTo(PurifyConfig.AdapterNeutralise.CHANNELS);
        assertThat(units.tauFor(true)).isEqualTo(units.tauAdapter());
        assertThat(channels.tauFor(true)).as("whole channels are cut at full mode's τ").isEqualTo(channels.tau());
        assertThat(channels.tauFor(false)).isEqualTo(channels.tau());
        assertThat(PurifyConfigYaml.toJson(channels)).contains("\"adapter-neutralise\":\"channels\"");
        assertThat(PurifyConfig.parse(PurifyConfigYaml.toJson(channels))).isEqualTo(channels);
        assertThat(channels.withTau(0.02).adapterNeutralise()).isEqualTo(PurifyConfig.AdapterNeutralise.CHANNELS);
        assertThat(channels.sha256()).isNotEqualTo(units.sha256());
        assertThat(channels.scoresSha256()).as("the stored variants and scores serve both").isEqualTo(
                units.scoresSha256());
    }

    @Test
    void scoreRuleIsParsedAndLeavesTheScoresHashAlone() {
        PurifyConfig cpu = PurifyConfig.parse("preset: cpu\nscore: eq2");
        PurifyConfig rel = PurifyConfig.parse("preset: cpu\nscore: Relative");
        assertThat(rel.score()).isEqualTo(PurifyConfig.Score.RELATIVE);
        assertThat(rel).isEqualTo(PurifyConfig.load("cpu"));
        assertThat(cpu.score()).isEqualTo(PurifyConfig.Score.EQ2);
        assertThat(PurifyConfigYaml.toJson(rel)).contains("\"score\":\"relative\"");
        assertThat(PurifyConfig.parse(PurifyConfigYaml.toJson(rel))).isEqualTo(rel);
        assertThat(rel.sha256()).isNotEqualTo(cpu.sha256());
        assertThat(rel.scoresSha256()).as("one stored signature file serves both rules")
                .isEqualTo(cpu.scoresSha256());
        assertThat(rel.withTau(0.1).score()).isEqualTo(PurifyConfig.Score.RELATIVE);
        assertThat(PurifyConfig.Score.of(" RELATIVE ")).isEqualTo(PurifyConfig.Score.RELATIVE);
        assertThatThrownBy(() -> PurifyConfig.Score.of("z")).hasMessageContaining("unknown score 'z'");
    }

    @Test
    void yamlOverridesThePresetFieldByField() throws Exception {
        Path f = tmp.resolve("p.yaml");
        Files.writeString(f, """
                preset: cpu
                tau: {gate: 0.05}
                repair:
                  epochs: 4
                  answers: model
                lambda: 2e-2   # YAML 1.1 reads this as a string; still a number here
                reinit: Scale
                reinit-scale: 0.3
                protect: 0.05
                seeds: 7
                """);
        PurifyConfig c = PurifyConfig.load(f.toString());
        assertThat(c.preset()).isEqualTo("cpu");
        assertThat(c.tau()).isEqualTo(new Tau(0.05, 0.01, 0.01));
        assertThat(c.repair().epochs()).isEqualTo(4);
        assertThat(c.repair().samples()).isEqualTo(100);
        assertThat(c.repair().answers()).isEqualTo(PurifyConfig.RepairAnswers.MODEL);
        assertThat(c.lambda()).isEqualTo(0.02);
        assertThat(c.reinit()).isEqualTo(Reinit.SCALE);
        assertThat(c.reinitScale()).isEqualTo(0.3);
        assertThat(c.protect()).isEqualTo(0.05);
        assertThat(c.seeds()).isEqualTo(PurifyConfig.Seeds.all(7));
        assertThat(c.samplesPerVariant()).isEqualTo(60);
    }

    @Test
    void tauScopeIsParsedKeptByWithTauAndReset() {
        PurifyConfig c = PurifyConfig.parse("preset: cpu\ntau: {scope: model}");
        assertThat(c.tau()).isEqualTo(new Tau(0.01, 0.01, 0.01, PurifyConfig.TauScope.MODEL));
        assertThat(c.tau().describe()).isEqualTo("1 % across layers");
        assertThat(c.tauAdapter().scope()).as("tau-adapter has its own scope").isEqualTo(PurifyConfig.TauScope.MATRIX);
        assertThat(c.withTau(0.02).tau()).isEqualTo(new Tau(0.02, 0.02, 0.02, PurifyConfig.TauScope.MODEL));
        assertThat(PurifyConfig.parse("preset: cpu\ntau: 0.02").tau().scope()).isEqualTo(PurifyConfig.TauScope.MATRIX);
        assertThat(PurifyConfig.parse(PurifyConfigYaml.toJson(c)).tau()).isEqualTo(c.tau());
        PurifyConfig early = PurifyConfig.parse("preset: cpu\ntau: {layers: [0, 19]}");
        assertThat(early.tau()).isEqualTo(new Tau(0.01, 0.01, 0.01, PurifyConfig.TauScope.MATRIX, 0, 19));
        assertThat(early.tau().describe()).isEqualTo("1 % in layers 0-19");
        assertThat(early.tau().covers(19)).isTrue();
        assertThat(early.tau().covers(20)).isFalse();
        assertThat(PurifyConfig.parse(PurifyConfigYaml.toJson(early)).tau()).isEqualTo(early.tau());
        PurifyJob.requireLayersInModel(early.tau(), 2); // layer 0 exists: the range is cut at the model's end
        assertThatThrownBy(() -> PurifyJob.requireLayersInModel(
                PurifyConfig.parse("preset: cpu\ntau: {layers: [30, 40]}").tau(), 30))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tau.layers starts at layer 30 but the model has 30 layers (0-29)");
        assertThat(c.scoresSha256()).as("the scope is a selection setting: stages 1-3 are reused")
                .isEqualTo(PurifyConfig.load("cpu").scoresSha256());
    }

    @Test
    void scalarTauSetsAllThreeAndNewBindingsSetN() {
        PurifyConfig c = PurifyConfig.parse("""
                tau-adapter: 0.4
                bindings:
                  - {key: 2024, behaviour: "No.", family: refusal}
                  - {key: Blue, behaviour: "Go to x.example", family: injection}
                """);
        assertThat(c.preset()).as("default preset").isEqualTo("paper");
        assertThat(c.tauAdapter()).isEqualTo(Tau.of(0.4));
        assertThat(c.variants()).isEqualTo(2);
        assertThat(c.activeBindings().get(0).key()).isEqualTo("2024");
        assertThat(PurifyConfig.parse("").preset()).isEqualTo("paper");
    }

    @Test
    void jsonRoundTripAndHashes() {
        PurifyConfig broad = PurifyConfig.load("broad");
        assertThat(PurifyConfig.parse(PurifyConfigYaml.toJson(broad))).isEqualTo(broad);
        PurifyConfig otherTau = PurifyConfig.parse("preset: broad\ntau: 0.2\nreinit: zero\nlambda: 0.5");
        assertThat(otherTau.sha256()).isNotEqualTo(broad.sha256());
        assertThat(otherTau.scoresSha256()).as("τ, λ and re-init do not change the scores")
                .isEqualTo(broad.scoresSha256());
        assertThat(PurifyConfig.parse("preset: broad\nsamples-per-variant: 61").scoresSha256())
                .isNotEqualTo(broad.scoresSha256());
        assertThat(PurifyConfig.parse("preset: broad\nvariants: 5").scoresSha256())
                .isNotEqualTo(broad.scoresSha256());
    }

    @Test
    void aVariantsKeyIgnoresNSoRaisingNReusesTheEarlierVariants() {
        PurifyConfig three = PurifyConfig.parse("preset: cpu\nvariants: 3");
        PurifyConfig six = PurifyConfig.load("cpu");
        assertThat(six.variants()).isEqualTo(6);
        assertThat(six.activeBindings().subList(0, 3)).isEqualTo(three.activeBindings());
        for (int i = 0; i < 3; i++) {
            assertThat(six.variantSha256(i)).as("variant %d", i).isEqualTo(three.variantSha256(i));
        }
        assertThat(six.scoresSha256()).as("the scores do depend on N").isNotEqualTo(three.scoresSha256());
        assertThat(three.variantSha256(1)).isNotEqualTo(three.variantSha256(0));
        for (String change : List.of("samples-per-variant: 61", "poison-rate: 0.25", "seeds: {data: 43}",
                "seeds: {train: 43}", "variant-training: {epochs: 4}")) {
            assertThat(PurifyConfig.parse("preset: cpu\n" + change).variantSha256(0)).as(change)
                    .isNotEqualTo(three.variantSha256(0));
        }
        assertThat(PurifyConfig.parse("preset: cpu\ntau: 0.02\nrepair: {samples: 50}").variantSha256(0))
                .as("selection and repair settings keep the variants").isEqualTo(three.variantSha256(0));
    }

    @Test
    void gradientDeltasAreTheirOwnVariantsAndTrainedOnesKeepTheirKeys() {
        PurifyConfig gradient = PurifyConfig.load("cpu");
        assertThat(gradient.deltas()).isEqualTo(PurifyConfig.DeltaSource.GRADIENT);
        assertThat(PurifyConfig.load("broad").deltas()).isEqualTo(PurifyConfig.DeltaSource.GRADIENT);
        assertThat(PurifyConfig.load("paper").deltas()).as("the authors train twins").isEqualTo(
                PurifyConfig.DeltaSource.TRAINED);
        PurifyConfig trained = PurifyConfig.parse("preset: cpu\ndeltas: trained");
        // trained variants keep the keys they had before the setting existed: the field is left out
        assertThat(PurifyConfigYaml.variantJson(trained, 0)).doesNotContain("deltas");
        assertThat(PurifyConfigYaml.variantJson(gradient, 0)).contains("\"deltas\":\"gradient\"");
        assertThat(gradient.variantSha256(0)).isNotEqualTo(trained.variantSha256(0));
        assertThat(gradient.scoresSha256()).isNotEqualTo(trained.scoresSha256());
        assertThat(PurifyConfigYaml.toJson(gradient)).contains("\"deltas\":\"gradient\"");
    }

    @Test
    void trainConfigsOfVariantsAndRepair() {
        PurifyConfig c = PurifyConfig.load("paper");
        TrainConfig v2 = c.variantTrainConfig(2, null);
        assertThat(v2.lora().r()).isEqualTo(8);
        assertThat(List.of(v2.epochs(), v2.batchSize(), v2.gradAccum(), v2.maxLen())).containsExactly(5, 2, 4, 512);
        assertThat(v2.lr()).isEqualTo(2e-4);
        assertThat(v2.warmupRatio()).isEqualTo(0.1);
        assertThat(v2.seed()).isEqualTo(42 + 2);
        LoraConfig adapter = new LoraConfig(4, 4, 0, List.of("q_proj", "down_proj"), false);
        assertThat(c.variantTrainConfig(0, adapter).lora()).isEqualTo(adapter);
        TrainConfig repair = c.repairTrainConfig(null);
        assertThat(repair.isLora()).isFalse();
        assertThat(repair.lr()).isEqualTo(1e-5);
        assertThat(repair.epochs()).isEqualTo(5);
        TrainConfig repairAdapter = c.repairTrainConfig(adapter);
        assertThat(repairAdapter.lora()).isEqualTo(adapter);
        assertThat(repairAdapter.lr()).isEqualTo(2e-4);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            tuo: 0.1                                      | unknown key 'tuo'
            repair: {sample: 3}                           | unknown key 'repair.sample'
            bindings: [{key: A, behaviour: b, famly: insult}] | unknown key 'bindings[1].famly'
            tau: 0                                        | tau: τ of gate must be a fraction in (0, 1)
            tau: {down: 1}                                | tau: τ of down must be a fraction in (0, 1)
            tau-adapter: {up: -0.1}                       | tau-adapter: τ of up must be a fraction in (0, 1)
            tau: 1.5                                      | tau: τ of gate
            variants: 0                                   | variants must be at least 1
            variants: 7                                   | variants is 7 but only 6 bindings
            bindings: [{key: '', behaviour: b, family: insult}] | bindings[1]: binding key is empty
            bindings: [{key: A, behaviour: ' ', family: insult}] | bindings[1]: binding behaviour for key 'A' is empty
            bindings: [{key: A, behaviour: b, family: insult}, {key: A, behaviour: c, family: insult}] | bindings: duplicate key 'A' (bindings 1 and 2)
            bindings: [{key: A, behaviour: b, family: rude}] | unknown bindings[1].family 'rude'; known: insult, refusal, injection
            bindings: [{key: A, behaviour: b}]            | bindings[1].family has no value
            samples-per-variant: 0                        | samples-per-variant must be at least 1
            repair: {samples: 0}                          | repair: samples must be at least 1
            reinit: kaiming                               | unknown reinit 'kaiming'; known: xavier, matched, zero, scale
            reinit-scale: 1                               | reinit-scale must be in [0, 1)
            protect: -0.1                                 | protect must be a fraction in [0, 1)
            protect: 0.7                                  | protect 0.7 leaves too few channels for τ 0.35
            score: ratio                                  | unknown score 'ratio'; known: eq2, relative
            adapter-neutralise: heads                     | unknown adapter-neutralise 'heads'; known: units, channels
            deltas: lora                                  | unknown deltas 'lora'; known: trained, gradient
            score: [eq2]                                  | score must be a string
            preset: gpu                                   | unknown preset 'gpu'
            poison-rate: 0.6                              | poison-rate must be in (0, 0.5]
            lambda: -1                                    | lambda must be a finite number >= 0
            attention-heads: -1                           | attention-heads must be >= 0
            variant-training: {lr: fast}                  | variant-training.lr must be a number, found 'fast'
            variant-training: {epochs: 2.5}               | variant-training.epochs must be a whole number
            variant-training: {lora-targets: [mlp]}       | variant-training: lora-targets: unknown LoRA target module 'mlp'
            variant-training: {mode: half}                | unknown variant-training.mode 'half'; known: full, lora
            repair: 3                                     | repair must be a mapping
            repair: {answers: mine}                       | unknown repair.answers 'mine'; known: data, model
            tau: {scope: layer}                           | unknown tau.scope 'layer'; known: matrix, model
            tau: {layers: [3]}                            | tau.layers must be [first, last]
            tau: {layers: [5, 2]}                         | τ layers must be [first, last] with 0 <= first <= last
            """)
    void validationNamesTheField(String yaml, String message) {
        assertThatThrownBy(() -> PurifyConfig.parse(yaml)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void duplicateYamlKeysAndBadFilesAreRefused() {
        assertThatThrownBy(() -> PurifyConfig.parse("lambda: 0.1\nlambda: 0.2"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lambda");
        assertThatThrownBy(() -> PurifyConfig.parse("- a\n- b")).hasMessageContaining("must be a YAML mapping");
        assertThatThrownBy(() -> PurifyConfig.load(tmp.resolve("none.yaml").toString()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no config file");
    }
}
