package dev.llmvax.defend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CrowConfigTest {
    @Test
    void defaultsAreTheReferenceImplementations() {
        assertThat(CrowConfig.DEFAULT).isEqualTo(new CrowConfig(5.5, 0.1));
        assertThat(new CrowObjective(CrowConfig.DEFAULT).id()).isEqualTo("crow(alpha=5.5, epsilon=0.1)");
    }

    @Test
    void rejectsNegativeOrNonFiniteSettingsNamingTheField() {
        assertThatThrownBy(() -> new CrowConfig(-1, 0.1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("alpha").hasMessageContaining("-1");
        assertThatThrownBy(() -> CrowConfig.DEFAULT.withEpsilon(-0.01)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("epsilon");
        assertThatThrownBy(() -> new CrowConfig(Double.NaN, 0.1)).hasMessageContaining("alpha");
        assertThatThrownBy(() -> new CrowConfig(1, Double.POSITIVE_INFINITY)).hasMessageContaining("epsilon");
        assertThat(new CrowConfig(0, 0)).isNotNull();
    }
}
